package dev.baton.operator;

import static dev.baton.operator.Fixtures.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.operator.api.Reload;
import dev.baton.operator.api.ReloadTarget;
import dev.baton.operator.reconcile.Utils;
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
 * baton.dev/reload-on on every workload kind, a pod whose baton does not answer,
 * the annotation trigger, a token Secret, a rollout, events, every target kind) makes exactly the
 * calls the ClusterRole grants. Every other test also checks its calls are granted (ApiCalls).
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
      Map<String, String> reloadOn = Map.of(Utils.RELOAD_ON_ANNOTATION, "configmap/app-config");
      client.apps().statefulSets().inNamespace(NS).resource(new StatefulSetBuilder().withNewMetadata().withName("db")
          .withAnnotations(reloadOn).endMetadata().withNewSpec().withNewSelector().addToMatchLabels("app", "db").endSelector()
          .endSpec().build()).create();
      client.apps().daemonSets().inNamespace(NS).resource(new DaemonSetBuilder().withNewMetadata().withName("agent")
          .withAnnotations(reloadOn).endMetadata().withNewSpec().withNewSelector().addToMatchLabels("app", "agent").endSelector()
          .endSpec().build()).create();
      BatonOperator.Running operator = Fixtures.startOperator(operatorClient, "--leader-election");
      try {
        // Leader election: the Lease is created, then renewed (an update).
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          Lease lease = client.leases().inNamespace(NS).withName("baton-operator").get();
          return lease != null && "test-operator".equals(lease.getSpec().getHolderIdentity())
              && !lease.getSpec().getRenewTime().equals(lease.getSpec().getAcquireTime());
        });
        client.apps().deployments().inNamespace(NS).withName("web").edit(d -> {
          d.getMetadata().setAnnotations(Map.of(Utils.RELOAD_ANNOTATION, "now", Utils.RELOAD_ON_ANNOTATION, "configmap/app-config"));
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
