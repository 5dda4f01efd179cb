package dev.baton.operator.reconcile;

import static dev.baton.operator.Fixtures.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.operator.ApiCalls;
import dev.baton.operator.BatonOperator;
import dev.baton.operator.Batons;
import dev.baton.operator.Fixtures;
import dev.baton.operator.api.PodResult;
import dev.baton.operator.api.Reload;
import dev.baton.operator.api.ReloadStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rolling reloads of a 3-pod "Deployment" whose pods' sidecars are 3 real batons on loopback. */
@EnableKubernetesMockClient(crud = true)
class RollingReloadTest {
  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir
  Path tmp;

  Batons batons;
  KubernetesClient operatorClient;
  BatonOperator.Running operator;

  @BeforeEach
  void setUp() throws Exception {
    batons = Batons.start(3, tmp);
    Fixtures.installCrd(client);
    Fixtures.tokenSecret(client);
    Fixtures.deployment(client, "web");
    for (int i = 0; i < 3; i++) {
      Fixtures.pod(client, "web-" + i, "web", batons.get(i).controlAddress(), true);
    }
    operatorClient = Fixtures.operatorClient(client);
    operator = Fixtures.startOperator(operatorClient);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (operator != null) {
      operator.close();
    }
    operatorClient.close();
    batons.close();
    ApiCalls.checkAllowed(server);
  }

  @Test
  void reloadsAllPodsOneAtATimeWithoutFailingARequest() throws Exception {
    AtomicBoolean loading = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> load = new ArrayList<>();
    for (Batons.Baton b : batons.all()) {
      Thread t = new Thread(() -> {
        while (loading.get()) {
          try {
            if (b.get().contains(":")) {
              ok.incrementAndGet();
            } else {
              failures.add("port " + b.port() + ": unexpected answer");
            }
          } catch (Exception e) {
            failures.add("port " + b.port() + ": " + e);
          }
        }
      });
      t.start();
      load.add(t);
    }

    Reload reload = Fixtures.reload("web-1", "web");
    reload.getSpec().setMaxUnavailable(new IntOrString(1));
    client.resources(Reload.class).inNamespace(NS).resource(reload).create();
    Reload done = awaitDone("web-1");
    loading.set(false);
    for (Thread t : load) {
      t.join();
    }

    assertThat(failures).as("requests failed during the rollout").isEmpty();
    assertThat(ok.get()).isGreaterThan(30);
    ReloadStatus st = done.getStatus();
    assertThat(st.getPhase()).isEqualTo(ReloadStatus.SUCCEEDED);
    assertThat(st.getTotal()).isEqualTo(3);
    assertThat(st.getSucceeded()).isEqualTo(3);
    assertThat(st.getFailed()).isZero();
    assertThat(st.getPods()).extracting(PodResult::getPod).containsExactly("web-0", "web-1", "web-2");
    assertThat(st.getPods()).allSatisfy(p -> {
      assertThat(p.getResult()).isEqualTo(PodResult.SUCCEEDED);
      assertThat(p.getGeneration()).isEqualTo(2L);
    });
    assertThat(st.getStartTime()).isNotNull();
    assertThat(st.getCompletionTime()).isNotNull();
    assertThat(st.getConditions()).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("Ready");
      assertThat(c.getStatus()).isEqualTo("True");
    });
    for (Batons.Baton b : batons.all()) {
      await().atMost(Duration.ofSeconds(10)).until(b::servingGeneration, g -> g == 2);
    }

    // maxUnavailable 1: no two batons were reloading at the same time.
    List<Instant[]> spans = new ArrayList<>();
    for (Batons.Baton b : batons.all()) {
      JsonNode reloads = b.status().path("reloads");
      assertThat(reloads).hasSize(1);
      spans.add(new Instant[] {Instant.parse(reloads.get(0).path("requestedAt").asText()),
          Instant.parse(reloads.get(0).path("finishedAt").asText())});
    }
    spans.sort(Comparator.comparing(s -> s[0]));
    assertThat(spans.get(1)[0]).isAfterOrEqualTo(spans.get(0)[1]);
    assertThat(spans.get(2)[0]).isAfterOrEqualTo(spans.get(1)[1]);

    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(client.v1().events().inNamespace(NS).list().getItems()).extracting(Event::getReason)
            .contains("Started", "PodReloaded", "Succeeded"));
    String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + operator.metricsPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).contains("baton_operator_reloads_total{result=\"Succeeded\"} 1",
        "baton_operator_pods_reloaded_total{result=\"Succeeded\"} 3",
        "baton_operator_reload_duration_seconds_count 1");
  }

  @Test
  void aFailedPodStopsTheRolloutWithStop() throws Exception {
    batons.get(1).failNextReload();
    client.resources(Reload.class).inNamespace(NS).resource(Fixtures.reload("web-1", "web")).create();
    ReloadStatus st = awaitDone("web-1").getStatus();

    assertThat(st.getPhase()).isEqualTo(ReloadStatus.FAILED);
    assertThat(st.getPods()).extracting(PodResult::getPod, PodResult::getResult)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("web-0", "Succeeded"),
            org.assertj.core.groups.Tuple.tuple("web-1", "Failed"));
    String ready = readyMessage(st);
    assertThat(ready).contains("pod web-1 failed", "exited with exit code 1 before it was ready",
        "1 pods not reloaded");
    assertThat(st.getConditions()).anySatisfy(c -> assertThat(c.getReason()).isEqualTo("PodFailed"));
    assertThat(batons.get(0).servingGeneration()).isEqualTo(2);
    assertThat(batons.get(1).servingGeneration()).isEqualTo(1);
    assertThat(batons.get(2).servingGeneration()).isEqualTo(1);
    assertThat(batons.get(2).status().path("reloads")).as("web-2 untouched").isEmpty();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
            .anySatisfy(e -> {
              assertThat(e.getReason()).isEqualTo("PodReloadFailed");
              assertThat(e.getType()).isEqualTo("Warning");
            }));
  }

  @Test
  void aFailedPodDoesNotStopTheRolloutWithContinue() throws Exception {
    batons.get(1).failNextReload();
    Reload reload = Fixtures.reload("web-1", "web");
    reload.getSpec().setFailurePolicy("Continue");
    client.resources(Reload.class).inNamespace(NS).resource(reload).create();
    ReloadStatus st = awaitDone("web-1").getStatus();

    assertThat(st.getPhase()).isEqualTo(ReloadStatus.FAILED);
    assertThat(st.getSucceeded()).isEqualTo(2);
    assertThat(st.getFailed()).isEqualTo(1);
    assertThat(st.getPods()).extracting(PodResult::getResult).containsExactly("Succeeded", "Failed", "Succeeded");
    assertThat(readyMessage(st)).contains("1 of 3 pods failed", "web-1: generation 2");
    assertThat(batons.get(0).servingGeneration()).isEqualTo(2);
    assertThat(batons.get(1).servingGeneration()).isEqualTo(1);
    assertThat(batons.get(2).servingGeneration()).isEqualTo(2);
  }

  @Test
  void anOperatorRestartedMidRolloutResumesWithoutReloadingAPodTwice() throws Exception {
    client.resources(Reload.class).inNamespace(NS).resource(Fixtures.reload("web-1", "web")).create();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
      Reload r = client.resources(Reload.class).inNamespace(NS).withName("web-1").get();
      PodResult first = r.getStatus() == null ? null : r.getStatus().pod("web-0");
      return first != null && first.isDone();
    });
    operator.close();
    ReloadStatus between = client.resources(Reload.class).inNamespace(NS).withName("web-1").get().getStatus();
    assertThat(between.isDone()).isFalse();

    operator = Fixtures.startOperator(operatorClient);
    ReloadStatus st = awaitDone("web-1").getStatus();
    assertThat(st.getPhase()).isEqualTo(ReloadStatus.SUCCEEDED);
    assertThat(st.getPods()).extracting(PodResult::getGeneration).containsOnly(2L);
    for (Batons.Baton b : batons.all()) {
      await().atMost(Duration.ofSeconds(10)).until(b::servingGeneration, g -> g == 2);
      assertThat(b.status().path("reloads")).as("reloads asked of baton " + b.controlAddress()).hasSize(1);
    }
    assertThat(batons.get(0).servingGeneration()).as("web-0 was not reloaded again").isEqualTo(2);
    assertThat(client.v1().events().inNamespace(NS).list().getItems()).extracting(Event::getReason).contains("Resumed");
  }

  @Test
  void twoReloadsOfTheSamePodsRunOneAfterTheOther() throws Exception {
    // One names the Deployment, the other selects its pods by label: different targets, the same pods.
    for (String name : new String[] {"first", "second"}) {
      Reload r = Fixtures.reload(name, "web");
      if (name.equals("second")) {
        r.getSpec().setTarget(null);
        r.getSpec().setSelector(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder().addToMatchLabels("app", "web").build());
      }
      r.getSpec().setMaxUnavailable(new IntOrString("100%"));
      client.resources(Reload.class).inNamespace(NS).resource(r).create();
    }
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
      ReloadStatus st = client.resources(Reload.class).inNamespace(NS).withName("second").get().getStatus();
      return st != null && ReloadStatus.PENDING.equals(st.getPhase());
    });
    assertThat(readyMessage(client.resources(Reload.class).inNamespace(NS).withName("second").get().getStatus()))
        .isEqualTo("waiting for Reload first of the same pods to finish");
    ReloadStatus first = awaitDone("first").getStatus();
    ReloadStatus second = awaitDone("second").getStatus();
    assertThat(first.getPhase()).isEqualTo(ReloadStatus.SUCCEEDED);
    assertThat(second.getPhase()).isEqualTo(ReloadStatus.SUCCEEDED);
    assertThat(Instant.parse(second.getStartTime())).isAfterOrEqualTo(Instant.parse(first.getCompletionTime()));
    for (Batons.Baton b : batons.all()) {
      await().atMost(Duration.ofSeconds(10)).until(b::servingGeneration, g -> g == 3);
    }
  }

  @Test
  void aSpecChangedMidRolloutAppliesFromTheNextBatch() throws Exception {
    for (Batons.Baton b : batons.all()) {
      b.slowReloads(2000);  // long enough for the change to land mid-batch, and for web-1 and web-2 to overlap
    }
    client.resources(Reload.class).inNamespace(NS).resource(Fixtures.reload("web-1", "web")).create();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
      ReloadStatus st = client.resources(Reload.class).inNamespace(NS).withName("web-1").get().getStatus();
      PodResult first = st == null ? null : st.pod("web-0");
      return first != null && first.getReloadId() != null && !first.isDone();
    });
    client.resources(Reload.class).inNamespace(NS).withName("web-1").edit(r -> {
      r.getSpec().setMaxUnavailable(new IntOrString(2));
      return r;
    });
    Reload done = awaitDone("web-1");
    ReloadStatus st = done.getStatus();
    assertThat(st.getPhase()).isEqualTo(ReloadStatus.SUCCEEDED);
    assertThat(st.getObservedGeneration()).isEqualTo(done.getMetadata().getGeneration());
    for (Batons.Baton b : batons.all()) {
      assertThat(b.status().path("reloads")).as("reloads asked of " + b.controlAddress()).hasSize(1);
    }
    // web-0 alone (maxUnavailable 1), then web-1 and web-2 together (maxUnavailable 2).
    JsonNode r0 = batons.get(0).status().path("reloads").get(0);
    JsonNode r1 = batons.get(1).status().path("reloads").get(0);
    JsonNode r2 = batons.get(2).status().path("reloads").get(0);
    assertThat(Instant.parse(r1.path("requestedAt").asText())).isAfterOrEqualTo(Instant.parse(r0.path("finishedAt").asText()));
    assertThat(Instant.parse(r2.path("requestedAt").asText())).isBefore(Instant.parse(r1.path("finishedAt").asText()));
    assertThat(client.v1().events().inNamespace(NS).list().getItems()).extracting(Event::getReason).contains("SpecChanged");
  }

  @Test
  void aSpecMadeInvalidMidRolloutEndsItAndSaysWhy() throws Exception {
    batons.get(0).slowReloads(2000);
    client.resources(Reload.class).inNamespace(NS).resource(Fixtures.reload("web-1", "web")).create();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
      ReloadStatus st = client.resources(Reload.class).inNamespace(NS).withName("web-1").get().getStatus();
      PodResult first = st == null ? null : st.pod("web-0");
      return first != null && first.getReloadId() != null && !first.isDone();
    });
    client.resources(Reload.class).inNamespace(NS).withName("web-1").edit(r -> {
      r.getSpec().setMaxUnavailable(new IntOrString("150%"));
      return r;
    });
    ReloadStatus st = awaitDone("web-1").getStatus();
    assertThat(st.getPhase()).isEqualTo(ReloadStatus.FAILED);
    assertThat(readyMessage(st)).isEqualTo("spec changed mid-rollout: spec.maxUnavailable must be a number or a"
        + " percentage from 1% to 100%, not '150%'");
    assertThat(st.pod("web-0").getResult()).as("the pod in flight finished first").isEqualTo(PodResult.SUCCEEDED);
    assertThat(batons.get(1).status().path("reloads")).isEmpty();
  }

  private Reload awaitDone(String name) {
    AtomicReference<Reload> last = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
      Reload r = client.resources(Reload.class).inNamespace(NS).withName(name).get();
      last.set(r);
      return r != null && r.getStatus() != null && r.getStatus().isDone();
    });
    return last.get();
  }

  static String readyMessage(ReloadStatus st) {
    return st.getConditions().stream().filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow().getMessage();
  }
}
