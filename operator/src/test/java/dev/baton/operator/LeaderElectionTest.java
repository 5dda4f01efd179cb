package dev.baton.operator;

import static dev.baton.operator.Fixtures.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.operator.api.PodResult;
import dev.baton.operator.api.Reload;
import dev.baton.operator.api.ReloadStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two operator replicas on one Lease: the leader is a real operator process (killed with SIGKILL in the
 * middle of a rollout, so it releases nothing), the follower runs in this JVM. Only the leader reloads;
 * the follower takes the Lease once it expires and finishes the rollout without reloading a pod twice.
 */
@EnableKubernetesMockClient(crud = true)
class LeaderElectionTest {
  private static final String[] FAST_LEASE = {"--leader-election", "--lease-duration=3s", "--renew-deadline=2s",
      "--retry-period=500ms"};

  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir
  Path tmp;

  @Test
  void leaseTimingsOutOfOrderAreRefusedInOneLine() {
    assertThatThrownBy(() -> Fixtures.startOperator(client, "--leader-election", "--lease-duration=10s",
        "--renew-deadline=10s")).hasMessage("--renew-deadline=10s must be shorter than --lease-duration=10s: a leader"
        + " that cannot renew must stop before another replica may take the Lease");
    assertThatThrownBy(() -> Fixtures.startOperator(client, "--leader-election", "--renew-deadline=2s",
        "--retry-period=2000ms")).hasMessage("--retry-period=2000ms must be shorter than --renew-deadline=2s: the"
        + " leader retries its renewal within the deadline");
    assertThatThrownBy(() -> Fixtures.startOperator(client, "--leader-election", "--lease-duration=soon"))
        .hasMessage("--lease-duration must be a positive duration such as 15s or 500ms, not 'soon'");
  }

  /** What fabric8's LeaseLock relies on: a merge patch carrying a stale resourceVersion is refused (409). */
  @Test
  void theMockApiServerRefusesAStaleLeaseUpdate() {
    Lease lease = client.leases().inNamespace(NS).resource(new LeaseBuilder().withNewMetadata().withName("l")
        .endMetadata().withNewSpec().withHolderIdentity("a").endSpec().build()).create();
    String stale = lease.getMetadata().getResourceVersion();
    client.leases().inNamespace(NS).withName("l").edit(l -> {
      l.getSpec().setHolderIdentity("b");
      return l;
    });
    lease.getSpec().setHolderIdentity("c");
    lease.getMetadata().setResourceVersion(stale);
    assertThatThrownBy(() -> client.leases().inNamespace(NS).resource(lease).patch(PatchContext.of(PatchType.JSON_MERGE)))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    assertThat(client.leases().inNamespace(NS).withName("l").get().getSpec().getHolderIdentity()).isEqualTo("b");
  }

  @Test
  void onlyTheLeaderReloadsAndTheOtherFinishesTheRolloutWhenTheLeaderIsKilled() throws Exception {
    try (Batons batons = Batons.start(2, tmp); KubernetesClient operatorClient = Fixtures.operatorClient(client)) {
      Fixtures.installCrd(client);
      Fixtures.tokenSecret(client);
      Fixtures.deployment(client, "web");
      for (int i = 0; i < 2; i++) {
        Fixtures.pod(client, "web-" + i, "web", batons.get(i).controlAddress(), true);
      }
      Process leader = startOperatorProcess("leader");
      BatonOperator.Running follower = null;
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> holder().equals("leader"));
        List<String> followerArgs = new ArrayList<>(List.of(FAST_LEASE));
        followerArgs.add("--identity=follower");
        follower = Fixtures.startOperator(operatorClient, followerArgs.toArray(String[]::new));

        client.resources(Reload.class).inNamespace(NS).resource(Fixtures.reload("web-1", "web")).create();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
          PodResult first = status().pod("web-0");
          return first != null && first.isDone();
        });
        assertThat(holder()).isEqualTo("leader");
        assertThat(podsReloaded(follower)).as("the follower reloaded nothing while the other led").isZero();

        leader.destroyForcibly();
        assertThat(leader.waitFor(10, TimeUnit.SECONDS)).isTrue();
        long doneByLeader = status().getPods().stream().filter(PodResult::isDone).count();
        assertThat(status().isDone()).as("killed mid-rollout").isFalse();

        await().atMost(Duration.ofSeconds(60)).until(() -> holder().equals("follower"));
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> status().isDone());
        ReloadStatus st = status();
        assertThat(st.getPhase()).isEqualTo(ReloadStatus.SUCCEEDED);
        assertThat(st.getPods()).extracting(PodResult::getGeneration).containsOnly(2L);
        assertThat(podsReloaded(follower)).isEqualTo(2 - doneByLeader);
        for (Batons.Baton b : batons.all()) {
          await().atMost(Duration.ofSeconds(10)).until(b::servingGeneration, g -> g == 2);
          assertThat(b.status().path("reloads")).as("reloads asked of baton " + b.controlAddress()).hasSize(1);
        }
        assertThat(client.v1().events().inNamespace(NS).list().getItems()).extracting(Event::getReason)
            .contains("Started", "Resumed");
      } finally {
        leader.destroyForcibly();
        if (follower != null) {
          follower.close();
        }
      }
      ApiCalls.checkAllowed(server);
    }
  }

  /** The operator's main() in its own JVM, configured for the mock API server by system properties. */
  private Process startOperatorProcess(String identity) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "-Dkubernetes.master=" + client.getConfiguration().getMasterUrl(),
        "-Dkubernetes.trust.certificates=true", "-Dkubernetes.disable.hostname.verification=true",
        "-Dkubernetes.auth.tryKubeConfig=false", "-Dkubernetes.auth.tryServiceAccount=false",
        "-Dkubernetes.namespace=" + NS,
        BatonOperator.class.getName(), "--metrics-address=127.0.0.1:0", "--token-secret=" + Fixtures.TOKEN_SECRET,
        "--lease-namespace=" + NS, "--identity=" + identity));
    cmd.addAll(List.of(FAST_LEASE));
    Path log = Files.createDirectories(Path.of("target")).resolve("LeaderElectionTest-operator-" + identity + ".log");
    Files.deleteIfExists(log);
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private String holder() {
    Lease lease = client.leases().inNamespace(NS).withName("baton-operator").get();
    return lease == null || lease.getSpec().getHolderIdentity() == null ? "" : lease.getSpec().getHolderIdentity();
  }

  private ReloadStatus status() {
    Reload r = client.resources(Reload.class).inNamespace(NS).withName("web-1").get();
    return r.getStatus() == null ? new ReloadStatus() : r.getStatus();
  }

  private static long podsReloaded(BatonOperator.Running operator) throws Exception {
    String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + operator.metricsPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("baton_operator_pods_reloaded_total\\{result=\"Succeeded\"} (\\d+)").matcher(metrics);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }
}
