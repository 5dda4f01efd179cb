package dev.baton.operator.reconcile;

import static dev.baton.operator.Fixtures.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.operator.ApiCalls;
import dev.baton.operator.BatonOperator;
import dev.baton.operator.Batons;
import dev.baton.operator.Fixtures;
import dev.baton.operator.api.Reload;
import dev.baton.operator.api.ReloadStatus;
import dev.baton.operator.sidecar.ControlAddressResolver;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code baton.dev/reload-on}: a change to the data of a named ConfigMap or Secret reloads the workload's
 * pods in place (real batons), once per change, and an operator restart does not reload them again; a config
 * the pods read from their environment or a subPath mount is refused up front: it needs a rollout.
 */
@EnableKubernetesMockClient(crud = true)
class ConfigTriggerTest {
  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir
  Path tmp;

  @Test
  void aChangedConfigMapOrSecretReloadsThePodsOncePerChange() throws Exception {
    try (Batons batons = Batons.start(1, tmp); KubernetesClient operatorClient = Fixtures.operatorClient(client)) {
      createConfigs("level", "info");
      Fixtures.deployment(client, "web");
      annotate(Map.of(Utils.RELOAD_ON_ANNOTATION, "configmap/app-config, secret/app-secret"));
      Fixtures.pod(client, "web-0", "web", batons.get(0).controlAddress(), true);

      BatonOperator.Running operator = Fixtures.startOperator(operatorClient, "--reload-on-secrets");
      try {
        // First sight: the hash is recorded, nothing is reloaded (the pods run with this config already).
        await().atMost(Duration.ofSeconds(30)).until(() -> hash() != null);
        assertThat(hash()).startsWith("1-");
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> reloads().isEmpty());

        client.configMaps().inNamespace(NS).withName("app-config").edit(c -> {
          c.getData().put("level", "debug");
          return c;
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> reloads().size() == 1 && hash().startsWith("2-"));
        Reload first = reloads().get(0);
        assertThat(first.getSpec().getTarget().getName()).isEqualTo("web");
        assertThat(first.getMetadata().getAnnotations().get(Utils.TRIGGER_ANNOTATION)).contains("configmap/app-config");
        await().atMost(Duration.ofSeconds(60)).until(() -> batons.get(0).servingGeneration() == 2);

        // Changes that leave the data alone (a label) reload nothing.
        client.configMaps().inNamespace(NS).withName("app-config").edit(c -> {
          c.getMetadata().setLabels(Map.of("touched", "yes"));
          return c;
        });
      } finally {
        operator.close();
      }

      // A restarted operator finds the hash it recorded: no second Reload for the same change.
      operator = Fixtures.startOperator(operatorClient, "--reload-on-secrets");
      try {
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> reloads().size() == 1);
        client.secrets().inNamespace(NS).withName("app-secret").edit(s -> {
          s.setStringData(Map.of("password", "two"));
          return s;
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> reloads().size() == 2 && hash().startsWith("3-"));
        await().atMost(Duration.ofSeconds(60)).until(() -> batons.get(0).servingGeneration() == 3);
        assertThat(batons.get(0).status().path("reloads")).hasSize(2);
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
            .filteredOn(e -> "ReloadCreated".equals(e.getReason())).hasSize(2)
            .allSatisfy(e -> assertThat(e.getInvolvedObject().getKind()).isEqualTo("Deployment"));
      } finally {
        operator.close();
      }
      ApiCalls.checkAllowed(server);
    }
  }

  @Test
  void aMissingConfigMapIsAWarningOnTheWorkloadAndItsArrivalIsRecorded() throws Exception {
    try (KubernetesClient operatorClient = Fixtures.operatorClient(client)) {
      Fixtures.installCrd(client);
      Fixtures.deployment(client, "web");
      annotate(Map.of(Utils.RELOAD_ON_ANNOTATION, "configmap/not-yet"));
      BatonOperator.Running operator = Fixtures.startOperator(operatorClient);
      try {
        awaitWarningOnTheDeployment("ConfigNotFound", "ConfigMap not-yet named in baton.dev/reload-on does not exist"
            + " in namespace shop: no reload until it does");
        assertThat(hash()).isNull();

        client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("not-yet")
            .endMetadata().addToData("k", "v").build()).create();
        await().atMost(Duration.ofSeconds(30)).until(() -> hash() != null);
        assertThat(reloads()).isEmpty();

        // A malformed reference is a warning too, and the operator goes on.
        annotate(Map.of(Utils.RELOAD_ON_ANNOTATION, "configmaps/not-yet"));
        await().atMost(Duration.ofSeconds(30)).until(() -> client.v1().events().inNamespace(NS).list().getItems()
            .stream().map(Event::getReason).anyMatch("InvalidReloadOn"::equals));
      } finally {
        operator.close();
      }
      ApiCalls.checkAllowed(server);
    }
  }

  @Test
  void configReadFromTheEnvironmentOrASubPathIsRefusedUpFrontAsARolloutNotAReload() throws Exception {
    try (KubernetesClient operatorClient = Fixtures.operatorClient(client)) {
      createConfigs("app.conf", "level=info");
      // The config reaches the app through envFrom, an env var and a subPath mount: none changes in a running pod.
      PodSpec spec = new PodSpecBuilder()
          .addNewContainer().withName("app").withImage("app")
            .addNewPort().withName("baton").withContainerPort(8686).endPort()
            .addNewEnvFrom().withNewConfigMapRef().withName("app-config").endConfigMapRef().endEnvFrom()
            .addNewEnv().withName("PASSWORD").withNewValueFrom().withNewSecretKeyRef("password", "app-secret", false)
              .endValueFrom().endEnv()
            .addNewVolumeMount().withName("conf").withMountPath("/etc/app/app.conf").withSubPath("app.conf").endVolumeMount()
          .endContainer()
          .addNewVolume().withName("conf").withNewConfigMap().withName("app-config").endConfigMap().endVolume()
          .build();
      client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
          .withNewMetadata().withName("web")
            .addToAnnotations(Utils.RELOAD_ON_ANNOTATION, "configmap/app-config,secret/app-secret").endMetadata()
          .withNewSpec().withNewSelector().addToMatchLabels("app", "web").endSelector()
            .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata().withSpec(spec).endTemplate()
          .endSpec().build()).create();
      client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("web-0").addToLabels("app", "web")
            .addToAnnotations(ControlAddressResolver.ADDRESS_ANNOTATION, "127.0.0.1:9").endMetadata()
          .withSpec(spec)
          .withNewStatus().withPhase("Running").withPodIP("10.0.0.1")
            .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
          .build()).create();
      String uses = "configmap/app-config through envFrom (container app), subPath mount /etc/app/app.conf"
          + " (container app); secret/app-secret through env PASSWORD (container app), which a running pod never updates";

      BatonOperator.Running operator = Fixtures.startOperator(operatorClient, "--reload-on-secrets");
      try {
        // Up front, before any change: a Warning on the workload.
        awaitWarningOnTheDeployment("RolloutNeeded", uses + ": baton.dev/reload-on cannot apply a change there in"
            + " place; it needs a rollout (kubectl rollout restart deployment/web). Mount the config as a volume (no"
            + " subPath) to reload it in place");
        await().atMost(Duration.ofSeconds(30)).until(() -> hash() != null);

        // A change: its Reload ends Failed, saying a rollout is needed, and no pod is reloaded.
        client.configMaps().inNamespace(NS).withName("app-config").edit(c -> {
          c.getData().put("app.conf", "level=debug");
          return c;
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> reloads().size() == 1 && reloads().get(0).getStatus() != null
            && reloads().get(0).getStatus().isDone());
        ReloadStatus st = reloads().get(0).getStatus();
        assertThat(st.getPhase()).isEqualTo(ReloadStatus.FAILED);
        assertThat(st.getStartTime()).as("never started").isNull();
        assertThat(st.getPods()).as("no pod asked (its baton's address is a closed port)").isEmpty();
        Condition ready = st.getConditions().get(0);
        assertThat(ready.getType()).isEqualTo("Ready");
        assertThat(ready.getReason()).isEqualTo("RolloutNeeded");
        assertThat(ready.getMessage()).isEqualTo(uses + ": the new data needs a rollout (kubectl rollout restart"
            + " deployment/web), not an in-place reload");
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
            .filteredOn(e -> "RolloutNeeded".equals(e.getReason()))
            .extracting(e -> e.getInvolvedObject().getKind()).containsExactlyInAnyOrder("Deployment", "Reload");
      } finally {
        operator.close();
      }
      ApiCalls.checkAllowed(server);
    }
  }

  /** The CRD, the token Secret, and the app's configs: ConfigMap app-config with one key, Secret app-secret. */
  private void createConfigs(String key, String value) throws Exception {
    Fixtures.installCrd(client);
    Fixtures.tokenSecret(client);
    client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("app-config")
        .endMetadata().addToData(key, value).build()).create();
    client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("app-secret")
        .endMetadata().addToStringData("password", "one").build()).create();
  }

  private void awaitWarningOnTheDeployment(String reason, String message) {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(client.v1().events().inNamespace(NS).list().getItems()).anySatisfy(e -> {
          assertThat(e.getReason()).isEqualTo(reason);
          assertThat(e.getType()).isEqualTo("Warning");
          assertThat(e.getInvolvedObject().getKind()).isEqualTo("Deployment");
          assertThat(e.getInvolvedObject().getName()).isEqualTo("web");
          assertThat(e.getMessage()).isEqualTo(message);
        }));
  }

  private void annotate(Map<String, String> annotations) {
    client.apps().deployments().inNamespace(NS).withName("web").edit(d -> {
      Map<String, String> a = new HashMap<>(d.getMetadata().getAnnotations() == null ? Map.of() : d.getMetadata().getAnnotations());
      a.putAll(annotations);
      d.getMetadata().setAnnotations(a);
      return d;
    });
  }

  private String hash() {
    Map<String, String> a = client.apps().deployments().inNamespace(NS).withName("web").get().getMetadata().getAnnotations();
    return a == null ? null : a.get(Utils.RELOAD_ON_HASH_ANNOTATION);
  }

  private List<Reload> reloads() {
    return client.resources(Reload.class).inNamespace(NS).list().getItems();
  }
}
