package dev.baton.operator.reconcile;

import static dev.baton.operator.Fixtures.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.operator.ApiCalls;
import dev.baton.operator.BatonOperator;
import dev.baton.operator.Batons;
import dev.baton.operator.Fixtures;
import dev.baton.operator.TcpProxy;
import dev.baton.operator.api.PodResult;
import dev.baton.operator.api.Reload;
import dev.baton.operator.api.ReloadRetry;
import dev.baton.operator.api.ReloadStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7's operator rows, with real batons as the pods' sidecars: a pod deleted in the middle of its
 * reload, the API server unreachable in the middle of a rollout, and a failed pod reload retried with
 * backoff. In each, no pod is reloaded twice and the status says what happened.
 */
@EnableKubernetesMockClient(crud = true)
class RolloutFaultsTest {
  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir
  Path tmp;

  @Test
  void aPodDeletedDuringItsReloadFailsWithThatReasonAndTheRolloutGoesOn() throws Exception {
    try (Batons batons = Batons.start(2, tmp); KubernetesClient operatorClient = Fixtures.operatorClient(client)) {
      setUp(batons);
      batons.get(0).slowReloads(4000);
      Reload reload = Fixtures.reload("web-1", "web");
      reload.getSpec().setFailurePolicy("Continue");
      client.resources(Reload.class).inNamespace(NS).resource(reload).create();
      BatonOperator.Running operator = Fixtures.startOperator(operatorClient);
      try {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
          PodResult p = status("web-1").pod("web-0");
          return p != null && p.getReloadId() != null;
        });
        // What deleting a pod does: the object goes, and the kubelet stops its containers (baton too).
        client.pods().inNamespace(NS).withName("web-0").delete();
        batons.get(0).process().stop(Duration.ZERO); // KILL, baton and its worker

        ReloadStatus st = awaitDone("web-1");
        assertThat(st.getPhase()).isEqualTo(ReloadStatus.FAILED);
        assertThat(st.pod("web-0").getResult()).isEqualTo(PodResult.FAILED);
        assertThat(st.pod("web-0").getMessage()).startsWith("pod web-0 was deleted during its reload (");
        assertThat(st.pod("web-1").getResult()).isEqualTo(PodResult.SUCCEEDED);
        assertThat(st.getTotal()).isEqualTo(2);
        assertThat(RollingReloadTest.readyMessage(st)).contains("1 of 2 pods failed", "web-0: pod web-0 was deleted");
        assertThat(batons.get(1).status().path("reloads")).hasSize(1);
      } finally {
        operator.close();
      }
      ApiCalls.checkAllowed(server);
    }
  }

  /**
   * The API server is cut off for 30 s (issue 7's figure: longer than the client's request timeouts and
   * a pod's reload here, so the rollout runs into it and the watches drop): nothing is lost or repeated.
   */
  @Test
  void anApiServerOutageMidRolloutDelaysItWithoutReloadingAPodTwice() throws Exception {
    URI master = URI.create(client.getConfiguration().getMasterUrl());
    try (Batons batons = Batons.start(2, tmp); TcpProxy proxy = new TcpProxy(master.getHost(), master.getPort());
        KubernetesClient operatorClient = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
            .withUserAgent(BatonOperator.USER_AGENT)
            .withMasterUrl(master.getScheme() + "://" + master.getHost() + ":" + proxy.port() + "/").build()).build()) {
      setUp(batons);
      for (Batons.Baton b : batons.all()) {
        b.slowReloads(1500);
      }
      client.resources(Reload.class).inNamespace(NS).resource(Fixtures.reload("web-1", "web")).create();
      BatonOperator.Running operator = Fixtures.startOperator(operatorClient);
      try {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
          PodResult p = status("web-1").pod("web-0");
          return p != null && p.getReloadId() != null;
        });
        proxy.cutOff();
        // The reload in flight finishes meanwhile; the operator cannot record it, nor start the next pod.
        await().atMost(Duration.ofSeconds(6)).until(() -> batons.get(0).servingGeneration() == 2);
        await("web-1 untouched while the API server is away").during(Duration.ofSeconds(30)).atMost(Duration.ofSeconds(32))
            .until(() -> batons.get(1).status().path("reloads").isEmpty());
        proxy.restore();

        ReloadStatus st = awaitDone("web-1");
        assertThat(proxy.refused()).as("the operator tried the API server during the outage").isPositive();
        assertThat(st.getPhase()).isEqualTo(ReloadStatus.SUCCEEDED);
        assertThat(st.getPods()).extracting(PodResult::getResult).containsOnly(PodResult.SUCCEEDED);
        assertThat(st.getPods()).extracting(PodResult::getGeneration).containsOnly(2L);
        for (Batons.Baton b : batons.all()) {
          assertThat(b.status().path("reloads")).as("reloads asked of " + b.controlAddress()).hasSize(1);
        }
      } finally {
        operator.close();
      }
      ApiCalls.checkAllowed(server);
    }
  }

  @Test
  void aFailedPodReloadIsRetriedWithBackoffUpToTheLimit() throws Exception {
    try (Batons batons = Batons.start(2, tmp); KubernetesClient operatorClient = Fixtures.operatorClient(client)) {
      setUp(batons);
      batons.get(0).failNextReload();  // fails once: healed below before the retry
      batons.get(1).failNextReload();  // fails every time
      Reload reload = Fixtures.reload("web-1", "web");
      reload.getSpec().setFailurePolicy("Continue");
      reload.getSpec().setRetry(new ReloadRetry(1, "2s"));
      client.resources(Reload.class).inNamespace(NS).resource(reload).create();
      BatonOperator.Running operator = Fixtures.startOperator(operatorClient);
      try {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() ->
            hasFailedReload(batons.get(0).status()));
        batons.get(0).healReloads();
        ReloadStatus st = awaitDone("web-1");

        PodResult web0 = st.pod("web-0");
        assertThat(web0.getResult()).isEqualTo(PodResult.SUCCEEDED);
        assertThat(web0.getAttempts()).isEqualTo(2);
        PodResult web1 = st.pod("web-1");
        assertThat(web1.getResult()).isEqualTo(PodResult.FAILED);
        assertThat(web1.getAttempts()).isEqualTo(2);
        assertThat(web1.getMessage()).contains("exited with exit code 1 before it was ready");
        assertThat(batons.get(0).status().path("reloads")).extracting(r -> r.path("state").asText())
            .containsExactly("failed", "succeeded");
        JsonNode reloads1 = batons.get(1).status().path("reloads");
        assertThat(reloads1).extracting(r -> r.path("state").asText()).containsExactly("failed", "failed");
        assertThat(java.time.Duration.between(java.time.Instant.parse(reloads1.get(0).path("finishedAt").asText()),
            java.time.Instant.parse(reloads1.get(1).path("requestedAt").asText()))).as("the backoff")
            .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        assertThat(batons.get(0).servingGeneration()).isGreaterThan(1);
        assertThat(client.v1().events().inNamespace(NS).list().getItems()).filteredOn(e -> "PodReloadRetried".equals(e.getReason()))
            .extracting(Event::getMessage).anySatisfy(m -> assertThat(m).startsWith("Pod web-0: attempt 1 failed: ")
                .endsWith("; retrying in 2s"));
      } finally {
        operator.close();
      }
      ApiCalls.checkAllowed(server);
    }
  }

  private void setUp(Batons batons) throws Exception {
    Fixtures.installCrd(client);
    Fixtures.tokenSecret(client);
    Fixtures.deployment(client, "web");
    for (int i = 0; i < batons.all().size(); i++) {
      Fixtures.pod(client, "web-" + i, "web", batons.get(i).controlAddress(), true);
    }
  }

  private static boolean hasFailedReload(JsonNode status) {
    List<String> states = new ArrayList<>();
    status.path("reloads").forEach(r -> states.add(r.path("state").asText()));
    return states.contains("failed");
  }

  private ReloadStatus status(String name) {
    Reload r = client.resources(Reload.class).inNamespace(NS).withName(name).get();
    return r == null || r.getStatus() == null ? new ReloadStatus() : r.getStatus();
  }

  private ReloadStatus awaitDone(String name) {
    AtomicReference<ReloadStatus> last = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
      ReloadStatus st = status(name);
      last.set(st);
      return st.isDone();
    });
    return last.get();
  }
}
