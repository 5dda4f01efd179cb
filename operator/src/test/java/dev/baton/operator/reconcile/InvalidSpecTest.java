package dev.baton.operator.reconcile;

import static dev.baton.operator.Fixtures.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.operator.ApiCalls;
import dev.baton.operator.BatonOperator;
import dev.baton.operator.Fixtures;
import dev.baton.operator.api.Reload;
import dev.baton.operator.api.ReloadStatus;
import dev.baton.operator.api.ReloadTarget;
import dev.baton.testkit.port.FreePorts;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Specs the operator cannot carry out, and pods it cannot reload: Failed with a clear message, no retry loop. */
@EnableKubernetesMockClient(crud = true)
class InvalidSpecTest {
  KubernetesClient client;
  KubernetesMockServer server;
  KubernetesClient operatorClient;
  BatonOperator.Running operator;

  @BeforeEach
  void setUp() throws Exception {
    Fixtures.installCrd(client);
    Fixtures.tokenSecret(client);
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
  void invalidSpecsFailWithAClearMessage() {
    Map<String, Consumer<Reload>> cases = new LinkedHashMap<>();
    Map<String, String> expected = new LinkedHashMap<>();
    cases.put("neither", r -> r.getSpec().setTarget(null));
    expected.put("neither", "set spec.target (kind and name of a workload) or spec.selector");
    cases.put("both", r -> r.getSpec().setSelector(new LabelSelectorBuilder().addToMatchLabels("app", "web").build()));
    expected.put("both", "set spec.target or spec.selector, not both");
    cases.put("bad-kind", r -> r.getSpec().setTarget(new ReloadTarget("CronJob", "web")));
    expected.put("bad-kind", "spec.target.kind must be Deployment, StatefulSet or DaemonSet, not 'CronJob'");
    cases.put("bad-percent", r -> r.getSpec().setMaxUnavailable(new IntOrString("150%")));
    expected.put("bad-percent", "spec.maxUnavailable must be a number or a percentage from 1% to 100%, not '150%'");
    cases.put("zero", r -> r.getSpec().setMaxUnavailable(new IntOrString(0)));
    expected.put("zero", "spec.maxUnavailable must be at least 1, not 0");
    cases.put("negative-timeout", r -> r.getSpec().setPodTimeout("-5s"));
    expected.put("negative-timeout", "spec.podTimeout must be a positive duration such as 90s or 5m, not '-5s'");
    cases.put("bad-policy", r -> r.getSpec().setFailurePolicy("Retry"));
    expected.put("bad-policy", "spec.failurePolicy must be Stop or Continue, not 'Retry'");
    cases.put("unknown-workload", r -> r.getSpec().setTarget(new ReloadTarget("Deployment", "nope")));
    expected.put("unknown-workload", "Deployment nope not found in namespace shop");

    cases.forEach((name, edit) -> {
      Reload r = Fixtures.reload(name, "web");
      edit.accept(r);
      client.resources(Reload.class).inNamespace(NS).resource(r).create();
    });
    cases.keySet().forEach(name -> {
      Condition ready = awaitFailed(name);
      assertThat(ready.getMessage()).as(name).contains(expected.get(name));
      assertThat(ready.getReason()).isEqualTo(name.equals("unknown-workload") ? "TargetNotFound" : "InvalidSpec");
    });
    assertThat(client.v1().events().inNamespace(NS).list().getItems())
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("InvalidSpec"));
  }

  @Test
  void podsThatCannotBeReloadedFailWithTheReason() throws Exception {
    Fixtures.deployment(client, "cold");
    Fixtures.pod(client, "cold-0", "cold", null, false);
    Fixtures.deployment(client, "bare");
    client.pods().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata().withName("bare-0").addToLabels("app", "bare").endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("app").endContainer().endSpec()
        .withNewStatus().withPodIP("10.0.0.2").addNewCondition().withType("Ready").withStatus("True").endCondition()
        .endStatus().build()).create();
    Fixtures.deployment(client, "gone");
    int closedPort = FreePorts.next();
    Fixtures.pod(client, "gone-0", "gone", "127.0.0.1:" + closedPort, true);
    Fixtures.deployment(client, "empty");

    for (String d : new String[] {"cold", "bare", "gone", "empty"}) {
      client.resources(Reload.class).inNamespace(NS).resource(Fixtures.reload(d, d)).create();
    }
    assertThat(awaitFailed("cold").getMessage()).contains("pod cold-0 failed: pod cold-0 is not Ready");
    assertThat(awaitFailed("bare").getMessage()).contains("pod bare-0 has no container port named 'baton'");
    assertThat(awaitFailed("gone").getMessage()).contains("baton at http://127.0.0.1:" + closedPort + "/ refused the connection");
    Condition empty = awaitFailed("empty");
    assertThat(empty.getReason()).isEqualTo("NoPods");
    assertThat(empty.getMessage()).isEqualTo("no pods match Deployment empty");
  }

  private Condition awaitFailed(String name) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
      Reload r = client.resources(Reload.class).inNamespace(NS).withName(name).get();
      return r.getStatus() != null && r.getStatus().isDone();
    });
    ReloadStatus st = client.resources(Reload.class).inNamespace(NS).withName(name).get().getStatus();
    assertThat(st.getPhase()).as(name).isEqualTo(ReloadStatus.FAILED);
    assertThat(st.getCompletionTime()).isNotNull();
    assertThat(st.getConditions()).extracting(Condition::getType).containsExactly("Ready", "Progressing");
    assertThat(st.getConditions()).allSatisfy(c -> assertThat(c.getStatus()).isEqualTo("False"));
    return st.getConditions().get(0);
  }
}
