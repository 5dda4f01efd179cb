package dev.baton.operator.reconcile;

import dev.baton.operator.api.Reload;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Two Reloads never reload the same pods at once, whatever they target (the same workload, a selector
 * overlapping a workload, two workloads whose selectors overlap): a Reload that has not started waits for
 * an unfinished one that runs already or comes first (older, then by name).
 */
final class OverlappingReloads {
  private final KubernetesClient client;
  private final PodResolver pods;

  OverlappingReloads(KubernetesClient client, PodResolver pods) {
    this.client = client;
    this.pods = pods;
  }

  /** The Reload this one waits for, if any; {@code mine} are the pods it would reload. */
  Optional<Reload> runningBefore(Reload reload, List<Pod> mine) {
    Set<String> myPods = mine.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    Comparator<Reload> order = Comparator
        .comparing((Reload r) -> Objects.requireNonNullElse(r.getMetadata().getCreationTimestamp(), ""))
        .thenComparing(r -> r.getMetadata().getName());
    return client.resources(Reload.class).inNamespace(reload.getMetadata().getNamespace()).list().getItems().stream()
        .filter(r -> !r.getMetadata().getName().equals(reload.getMetadata().getName()))
        .filter(r -> r.getStatus() == null || !r.getStatus().isDone())
        .filter(r -> (r.getStatus() != null && r.getStatus().getStartTime() != null) || order.compare(r, reload) < 0)
        .filter(r -> sameTarget(r, reload) || sharesPods(r, myPods))
        .findFirst();
  }

  /** Whether another Reload (a different workload or selector) would reload any of these pods. */
  private boolean sharesPods(Reload other, Set<String> myPods) {
    ValidSpec.Result valid = ValidSpec.validate(other.getSpec());
    if (!valid.isValid() || myPods.isEmpty()) {
      return false;
    }
    try {
      return pods.pods(other.getMetadata().getNamespace(), valid.spec()).stream()
          .anyMatch(p -> myPods.contains(p.getMetadata().getName()));
    } catch (PodResolver.TargetNotFoundException e) {
      return false;
    }
  }

  private static boolean sameTarget(Reload a, Reload b) {
    var x = a.getSpec();
    var y = b.getSpec();
    if (x == null || y == null) {
      return false;
    }
    if (x.getTarget() != null && y.getTarget() != null) {
      return Objects.equals(x.getTarget().getKind(), y.getTarget().getKind())
          && Objects.equals(x.getTarget().getName(), y.getTarget().getName());
    }
    return x.getSelector() != null && x.getSelector().equals(y.getSelector());
  }
}
