package dev.baton.operator;

import static dev.baton.operator.Fixtures.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.operator.api.Reload;
import dev.baton.operator.api.ReloadTarget;
import dev.baton.operator.reconcile.Utils;
import dev.baton.operator.inject.ApiServerFacts;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rbac.yaml grants exactly what the operator calls: a run that uses every feature (leader election,
 * baton.dev/reload-on on every workload kind and naming a Secret with --reload-on-secrets, a pod whose
 * baton does not answer, the annotation trigger, a token Secret, the webhook's check of it, a rollout,
 * events, every target kind) makes exactly the calls the ClusterRole grants. Every other test also checks
 * its calls are granted (ApiCalls). What the mock cannot show: that a real API server enforces the rules
 * (resourceNames on get included) — the calls are compared with the rules, not authorized by them.
 */
@EnableKubernetesMockClient(crud = true)
class RbacTest {
  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir
  Path tmp;

  @Test
  void theClusterRoleGrantsExactlyWhatTheOperatorCalls() throws Exception {
    try (Batons batons = Batons.start(1, tmp); KubernetesClient operatorClient = Fixtures.operatorClient(client)) {
      Fixtures.installCrd(client);
      Fixtures.tokenSecret(client);
      Fixtures.deployment(client, "web");
      Fixtures.pod(client, "web-0", "web", batons.get(0).controlAddress(), true);
      // A pod whose baton does not answer: the operator looks the pod up (was it deleted?).
      Fixtures.pod(client, "web-1", "web", "127.0.0.1:1", true);
      // baton.dev/reload-on on every workload kind: the hash of the ConfigMap is recorded on each (patch).
      client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("app-config")
          .endMetadata().addToData("k", "v").build()).create();
      Fixtures.secret(client, "app-secret", "k", "v");
      Map<String, String> reloadOn = Map.of(Utils.RELOAD_ON_ANNOTATION, "configmap/app-config");
      client.apps().statefulSets().inNamespace(NS).resource(new StatefulSetBuilder().withNewMetadata().withName("db")
          .withAnnotations(reloadOn).endMetadata().withNewSpec().withNewSelector().addToMatchLabels("app", "db").endSelector()
          .endSpec().build()).create();
      client.apps().daemonSets().inNamespace(NS).resource(new DaemonSetBuilder().withNewMetadata().withName("agent")
          .withAnnotations(reloadOn).endMetadata().withNewSpec().withNewSelector().addToMatchLabels("app", "agent").endSelector()
          .endSpec().build()).create();
      BatonOperator.Running operator = Fixtures.startOperator(operatorClient, "--leader-election", "--reload-on-secrets");
      try (ApiServerFacts webhookView = ApiServerFacts.start(operatorClient)) {
        // The webhook's check that a pod's namespace has the token Secret (get, by name).
        assertThat(webhookView.tokenProblem(NS, Fixtures.TOKEN_SECRET, "token")).isNull();
        // Leader election: the Lease is created, then renewed (an update).
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          Lease lease = client.leases().inNamespace(NS).withName("baton-operator").get();
          return lease != null && "test-operator".equals(lease.getSpec().getHolderIdentity())
              && !lease.getSpec().getRenewTime().equals(lease.getSpec().getAcquireTime());
        });
        client.apps().deployments().inNamespace(NS).withName("web").edit(d -> {
          d.getMetadata().setAnnotations(Map.of(Utils.RELOAD_ANNOTATION, "now", Utils.RELOAD_ON_ANNOTATION,
              "configmap/app-config,secret/app-secret"));
          return d;
        });
        for (var workload : List.of(client.apps().deployments().inNamespace(NS).withName("web"),
            client.apps().statefulSets().inNamespace(NS).withName("db"), client.apps().daemonSets().inNamespace(NS).withName("agent"))) {
          await().atMost(Duration.ofSeconds(30)).until(() -> workload.get().getMetadata().getAnnotations()
              .containsKey(Utils.RELOAD_ON_HASH_ANNOTATION));
        }
        for (String kind : new String[] {"StatefulSet", "DaemonSet"}) {
          Reload r = Fixtures.reload(kind.toLowerCase(java.util.Locale.ROOT), "x");
          r.getSpec().setTarget(new ReloadTarget(kind, "missing"));
          client.resources(Reload.class).inNamespace(NS).resource(r).create();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> {
          var all = client.resources(Reload.class).inNamespace(NS).list().getItems();
          return all.size() == 3 && all.stream().allMatch(r -> r.getStatus() != null && r.getStatus().isDone());
        });
        assertThat(batons.get(0).servingGeneration()).isEqualTo(2);
      } finally {
        operator.close();
      }
      ApiCalls.SEEN.clear();
      ApiCalls.checkAllowed(server);
      Set<String> seen = new TreeSet<>(ApiCalls.SEEN);
      assertThat(seen).isEqualTo(ApiCalls.granted(ApiCalls.clusterRole()));
    }
  }

  @Test
  void withoutReloadOnSecretsTheOperatorReadsNoSecretButTheToken() throws Exception {
    try (Batons batons = Batons.start(1, tmp); KubernetesClient operatorClient = Fixtures.operatorClient(client)) {
      Fixtures.installCrd(client);
      Fixtures.tokenSecret(client);
      Fixtures.secret(client, "app-secret", "k", "v");
      Fixtures.deployment(client, "web");
      client.apps().deployments().inNamespace(NS).withName("web").edit(d -> {
        d.getMetadata().setAnnotations(Map.of(Utils.RELOAD_ON_ANNOTATION, "secret/app-secret", Utils.RELOAD_ANNOTATION, "now"));
        return d;
      });
      Fixtures.pod(client, "web-0", "web", batons.get(0).controlAddress(), true);
      try (BatonOperator.Running operator = Fixtures.startOperator(operatorClient)) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
            assertThat(client.v1().events().inNamespace(NS).list().getItems()).anySatisfy(e -> {
              assertThat(e.getReason()).isEqualTo("InvalidReloadOn");
              assertThat(e.getMessage()).contains("secret/app-secret").contains("--reload-on-secrets");
            }));
        // The annotation trigger's rollout reads the token Secret by name.
        await().atMost(Duration.ofSeconds(60)).until(() -> batons.get(0).servingGeneration() == 2);
      }
      List<String> calls = ApiCalls.drain(server);
      assertThat(calls).filteredOn(c -> c.contains("/secrets")).containsOnly("get /secrets/" + Fixtures.TOKEN_SECRET);
      ApiCalls.SEEN.addAll(calls);
    }
  }

  @Test
  void requestsMapToRbacVerbs() {
    assertThat(ApiCalls.toCall("GET", "/apis/apps/v1/namespaces/x/deployments?allowWatchBookmarks=true&watch=true"))
        .isEqualTo("watch apps/deployments");
    assertThat(ApiCalls.toCall("GET", "/apis/apps/v1/deployments?resourceVersion=0")).isEqualTo("list apps/deployments");
    assertThat(ApiCalls.toCall("PATCH", "/apis/baton.dev/v1alpha1/namespaces/x/reloads/r/status"))
        .isEqualTo("patch baton.dev/reloads/status");
    assertThat(ApiCalls.toCall("GET", "/api/v1/namespaces/x/secrets/s")).isEqualTo("get /secrets");
    assertThat(ApiCalls.toCall("PUT", "/apis/apps/v1/namespaces/x/deployments/d"))
        .isEqualTo("update apps/deployments");
  }
}
