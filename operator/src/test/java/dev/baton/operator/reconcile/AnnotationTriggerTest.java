package dev.baton.operator.reconcile;

import static dev.baton.operator.Fixtures.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.operator.ApiCalls;
import dev.baton.operator.BatonOperator;
import dev.baton.operator.Fixtures;
import dev.baton.operator.api.Reload;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code baton.dev/reload=<value>} on a workload: one Reload per value, owned by the workload. */
@EnableKubernetesMockClient(crud = true)
class AnnotationTriggerTest {
  KubernetesClient client;
  KubernetesMockServer server;
  KubernetesClient operatorClient;
  BatonOperator.Running operator;

  @BeforeEach
  void setUp() throws Exception {
    Fixtures.installCrd(client);
    operatorClient = Fixtures.operatorClient(client);
    operator = Fixtures.startOperator(operatorClient);
  }

  @AfterEach
  void tearDown() throws Exception {
    operator.close();
    operatorClient.close();
    ApiCalls.checkAllowed(server);
  }

  @Test
  void oneReloadPerAnnotationValue() {
    Deployment web = Fixtures.deployment(client, "web");
    assertThat(reloads()).isEmpty();

    annotate("v1");
    await().atMost(Duration.ofSeconds(10)).until(() -> reloads().size() == 1);
    Reload first = reloads().get(0);
    assertThat(first.getMetadata().getName()).isEqualTo(Utils.triggeredReloadName("Deployment", "web", "v1"));
    assertThat(first.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
      assertThat(o.getKind()).isEqualTo("Deployment");
      assertThat(o.getName()).isEqualTo("web");
      assertThat(o.getUid()).isEqualTo(web.getMetadata().getUid());
    });
    assertThat(first.getSpec().getTarget().getName()).isEqualTo("web");
    assertThat(first.getSpec().getPodTimeout()).as("the default, 5m").isNull();
    assertThat(first.getMetadata().getLabels()).containsEntry(Utils.TARGET_NAME_LABEL, "web");

    // Other changes to the workload, with the same value, create nothing more.
    client.apps().deployments().inNamespace(NS).withName("web").edit(d -> {
      d.getMetadata().getLabels().put("touched", "yes");
      return d;
    });
    annotate("v1");
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> reloads().size() == 1);

    annotate("v2");
    await().atMost(Duration.ofSeconds(10)).until(() -> reloads().size() == 2);
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> reloads().size() == 2);
  }

  @Test
  void statefulSetsTooWithThePodTimeoutTheWorkloadAsksFor() {
    client.apps().statefulSets().inNamespace(NS).resource(new StatefulSetBuilder()
        .withNewMetadata().withName("db").addToAnnotations(Utils.RELOAD_ANNOTATION, "2026-01-01")
          .addToAnnotations(Utils.POD_TIMEOUT_ANNOTATION, " 10m ").endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("app", "db").endSelector().endSpec().build()).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> reloads().size() == 1);
    assertThat(reloads().get(0).getSpec().getTarget().getKind()).isEqualTo("StatefulSet");
    assertThat(reloads().get(0).getSpec().getPodTimeout()).isEqualTo("10m");
  }

  @Test
  void daemonSetsToo() {
    client.apps().daemonSets().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder()
        .withNewMetadata().withName("agent").addToAnnotations(Utils.RELOAD_ANNOTATION, "1").endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("app", "agent").endSelector().endSpec().build()).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> reloads().size() == 1);
    assertThat(reloads().get(0).getSpec().getTarget().getKind()).isEqualTo("DaemonSet");
    assertThat(reloads().get(0).getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("DaemonSet"));
  }

  private void annotate(String value) {
    client.apps().deployments().inNamespace(NS).withName("web").edit(d -> {
      d.getMetadata().setAnnotations(new java.util.HashMap<>(java.util.Map.of(Utils.RELOAD_ANNOTATION, value)));
      if (d.getMetadata().getLabels() == null) {
        d.getMetadata().setLabels(new java.util.HashMap<>());
      }
      return d;
    });
  }

  private List<Reload> reloads() {
    return client.resources(Reload.class).inNamespace(NS).list().getItems();
  }
}
