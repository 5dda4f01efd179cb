package dev.baton.operator.reconcile;

import dev.baton.operator.api.ReloadTarget;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Finds the pods of a Reload: those of its target workload (by the workload's {@code spec.selector}) or
 * those matching its own selector. {@code matchLabels} go to the API server as an equality-based
 * selector; {@code matchExpressions} are applied here, on the listed pods, because set-based selectors
 * ({@code in}, {@code notin}) are not honoured everywhere (fabric8's mock server silently ignores them).
 */
public class PodResolver {
  /** The workload named by a Reload does not exist. */
  public static class TargetNotFoundException extends Exception {
    private static final long serialVersionUID = 1L;

    TargetNotFoundException(String message) {
      super(message);
    }
  }

  private final KubernetesClient client;

  public PodResolver(KubernetesClient client) {
    this.client = client;
  }

  /** The live pods (not terminating, not finished), sorted by name. */
  public List<Pod> pods(String namespace, ValidSpec spec) throws TargetNotFoundException {
    LabelSelector selector = spec.selector() != null ? spec.selector() : workloadSelector(namespace, spec.target());
    Map<String, String> labels = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
    return client.pods().inNamespace(namespace).withLabels(labels).list().getItems().stream()
        .filter(p -> matchesExpressions(p, selector.getMatchExpressions()))
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(p -> p.getStatus() == null || !"Succeeded".equals(p.getStatus().getPhase())
            && !"Failed".equals(p.getStatus().getPhase()))
        .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
        .toList();
  }

  private LabelSelector workloadSelector(String ns, ReloadTarget target) throws TargetNotFoundException {
    LabelSelector selector = switch (target.getKind()) {
      case "Deployment" -> {
        var d = client.apps().deployments().inNamespace(ns).withName(target.getName()).get();
        yield d == null ? null : d.getSpec().getSelector();
      }
      case "StatefulSet" -> {
        var s = client.apps().statefulSets().inNamespace(ns).withName(target.getName()).get();
        yield s == null ? null : s.getSpec().getSelector();
      }
      default -> {
        var d = client.apps().daemonSets().inNamespace(ns).withName(target.getName()).get();
        yield d == null ? null : d.getSpec().getSelector();
      }
    };
    if (selector == null) {
      throw new TargetNotFoundException(target.getKind() + " " + target.getName() + " not found in namespace " + ns);
    }
    return selector;
  }

  static boolean matchesExpressions(Pod pod, List<LabelSelectorRequirement> expressions) {
    if (expressions == null) {
      return true;
    }
    Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
    for (LabelSelectorRequirement r : expressions) {
      String v = labels.get(r.getKey());
      List<String> values = r.getValues() == null ? List.of() : r.getValues();
      boolean ok = switch (r.getOperator()) {
        case "In" -> v != null && values.contains(v);
        case "NotIn" -> v == null || !values.contains(v);
        case "Exists" -> v != null;
        case "DoesNotExist" -> v == null;
        default -> false;
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  static boolean isReady(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return false;
    }
    for (PodCondition c : pod.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }
}
