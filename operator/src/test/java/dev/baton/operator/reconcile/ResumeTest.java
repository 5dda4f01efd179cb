package dev.baton.operator.reconcile;

import static dev.baton.operator.Fixtures.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.operator.ApiCalls;
import dev.baton.operator.BatonOperator;
import dev.baton.operator.Batons;
import dev.baton.operator.Fixtures;
import dev.baton.operator.api.PodResult;
import dev.baton.operator.api.Reload;
import dev.baton.operator.api.ReloadStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status an operator left when it died between two steps of a pod: the next one follows baton's
 * reload instead of asking for another one, whether or not the reload id made it into the status.
 */
@EnableKubernetesMockClient(crud = true)
class ResumeTest {
  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir
  Path tmp;

  @Test
  void followsTheReloadAnEarlierOperatorStarted() throws Exception {
    try (Batons batons = Batons.start(2, tmp); KubernetesClient operatorClient = Fixtures.operatorClient(client)) {
      Fixtures.installCrd(client);
      Fixtures.tokenSecret(client);
      Fixtures.deployment(client, "web");
      Fixtures.pod(client, "web-0", "web", batons.get(0).controlAddress(), true);
      Fixtures.pod(client, "web-1", "web", batons.get(1).controlAddress(), true);
      Reload reload = Fixtures.reload("web-1", "web");
      reload.getSpec().setMaxUnavailable(new io.fabric8.kubernetes.api.model.IntOrString(2));
      client.resources(Reload.class).inNamespace(NS).resource(reload).create();

      // The earlier operator: it asked both batons for a reload; it recorded the id of web-1's only.
      long generation0 = batons.get(0).status().path("generation").asLong();
      long generation1 = batons.get(1).status().path("generation").asLong();
      batons.get(0).requestReload();
      long id1 = batons.get(1).requestReload();
      ReloadStatus left = new ReloadStatus();
      left.setPhase(ReloadStatus.RUNNING);
      left.setStartTime(Instant.now().toString());
      left.setTotal(2);
      PodResult p0 = new PodResult("web-0", PodResult.RELOADING, generation0, "reload requested");
      PodResult p1 = new PodResult("web-1", PodResult.RELOADING, generation1, "reload requested");
      p1.setReloadId(id1);
      left.setPods(List.of(p0, p1));
      client.resources(Reload.class).inNamespace(NS).withName("web-1").subresource("status")
          .patch(PatchContext.of(PatchType.JSON), Serialization.asJson(List.of(Map.of("op", "add", "path", "/status", "value", left))));

      BatonOperator.Running operator = Fixtures.startOperator(operatorClient);
      try {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
          ReloadStatus st = client.resources(Reload.class).inNamespace(NS).withName("web-1").get().getStatus();
          return st.isDone();
        });
      } finally {
        operator.close();
      }
      ReloadStatus st = client.resources(Reload.class).inNamespace(NS).withName("web-1").get().getStatus();
      assertThat(st.getPhase()).isEqualTo(ReloadStatus.SUCCEEDED);
      assertThat(st.getPods()).extracting(PodResult::getResult).containsOnly(PodResult.SUCCEEDED);
      assertThat(st.pod("web-1").getReloadId()).isEqualTo(id1);
      for (Batons.Baton b : batons.all()) {
        assertThat(b.status().path("reloads")).as("reloads of " + b.controlAddress()).hasSize(1);
        await().atMost(Duration.ofSeconds(10)).until(b::servingGeneration, g -> g == 2);
      }
      ApiCalls.checkAllowed(server);
    }
  }
}
