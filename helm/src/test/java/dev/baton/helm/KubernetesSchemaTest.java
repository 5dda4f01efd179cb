package dev.baton.helm;

import static dev.baton.helm.Charts.BATON;
import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every object the charts render, with default and non-default values, matches its Kubernetes type. */
class KubernetesSchemaTest {
  /** CRD kinds without a type in fabric8's model (see KubernetesSchema): checked by the chart tests' assertions only. */
  private static final Set<String> UNCHECKED = Set.of("ServiceMonitor", "Certificate", "Issuer");

  @Test
  void batonChartObjectsMatchTheirTypes() {
    List<UnaryOperator<TemplateCommand>> variants = List.of(
        c -> c,
        c -> c.set("replicaCount", 2).set("podDisruptionBudget.enabled", true).set("metrics.serviceMonitor.enabled", true)
            .set("controlToken.secretName", "t").set("podAnnotations.a", "b").set("nodeSelector.disk", "ssd")
            .set("imagePullSecrets[0].name", "reg").set("operator.reloadOnSecrets", true)
            .set("controlToken.namespaces[0]", "shop"),
        c -> c.set("operator.watchNamespace", "shop").set("replicaCount", 2).set("inject.preStop", "sleepAction"),
        c -> c.set("webhook.tls.source", "certManager").set("podDisruptionBudget.enabled", true)
            .set("podDisruptionBudget.maxUnavailable", 1),
        c -> c.set("webhook.enabled", false).set("rbac.create", false).set("serviceAccount.create", false));
    Map<String, Integer> checked = new HashMap<>();
    List<String> problems = new ArrayList<>();
    for (UnaryOperator<TemplateCommand> variant : variants) {
      check(Charts.render(BATON, variant), checked, problems);
    }
    assertThat(problems).isEmpty();
    assertThat(checked.keySet()).contains("Deployment", "Service", "Secret", "ServiceAccount", "ClusterRole",
        "ClusterRoleBinding", "Role", "RoleBinding", "MutatingWebhookConfiguration", "PodDisruptionBudget");
  }

  @Test
  void crdAndInjectedPodsMatchTheirTypes(@TempDir Path tmp) throws Exception {
    List<String> problems = new ArrayList<>(KubernetesSchema.problems(
        Charts.<Map<String, Object>>get(Map.of("d", Charts.load(BATON.resolve("crds/reloads.baton.dev-v1.yml"))), "d")));
    Path app = tmp.resolve("testapp");
    Charts.copyTree(Paths.get(getClass().getResource("/testapp/Chart.yaml").toURI()).getParent(), app);
    Charts.copyTree(Charts.BATON_INJECT, app.resolve("charts/baton-inject"));
    Map<String, Integer> checked = new HashMap<>();
    check(Charts.render(app, c -> c), checked, problems);
    assertThat(problems).isEmpty();
    assertThat(checked).containsEntry("Deployment", 2);
  }

  @Test
  void aMisspeltOrMistypedFieldIsReportedWithItsPath() {
    Map<String, Object> deploy = Charts.find(Charts.render(BATON, c -> c), "Deployment", "rel-baton");
    Map<String, Object> container = Charts.get(deploy, "spec.template.spec.containers.0");
    container.put("readinesProbe", container.remove("readinessProbe"));
    assertThat(KubernetesSchema.problems(deploy)).singleElement().asString()
        .contains("Deployment/rel-baton:.spec.template.spec.containers[0]", "Container has no field [readinesProbe]");

    Map<String, Object> service = Charts.find(Charts.render(BATON, c -> c), "Service", "rel-baton-metrics");
    Charts.<Map<String, Object>>get(service, "spec.ports.0").put("port", "eighty");
    assertThat(KubernetesSchema.problems(service)).singleElement().asString().contains("Service/rel-baton-metrics");
  }

  private static void check(List<Map<String, Object>> docs, Map<String, Integer> checked, List<String> problems) {
    for (Map<String, Object> doc : docs) {
      String kind = (String) doc.get("kind");
      if (!UNCHECKED.contains(kind)) {
        problems.addAll(KubernetesSchema.problems(doc));
        checked.merge(kind, 1, Integer::sum);
      }
    }
  }
}
