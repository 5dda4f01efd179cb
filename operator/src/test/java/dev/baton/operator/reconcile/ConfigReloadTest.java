package dev.baton.operator.reconcile;

import static dev.baton.operator.Fixtures.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.operator.ApiCalls;
import dev.baton.operator.BatonOperator;
import dev.baton.operator.Batons;
import dev.baton.operator.Fixtures;
import dev.baton.operator.LegacyBatonProxy;
import dev.baton.operator.api.PodResult;
import dev.baton.operator.api.Reload;
import dev.baton.operator.api.ReloadStatus;
import dev.baton.operator.sidecar.ControlAddressResolver;
import dev.baton.testkit.kubelet.KubeletVolume;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Reload made for new ConfigMap data ({@code baton.dev/reload-on}) starts each pod's new generation only once
 * the pod's own copy of the config is the new one. The pod is a real baton whose worker serves the config file it
 * read at start ({@code GET /config}); its "volume" is a directory the test lays out and updates as the kubelet
 * does ({@link KubeletVolume}: a new {@code ..TIMESTAMP} directory, {@code ..data_tmp} renamed over
 * {@code ..data}), seconds after the ConfigMap changed, or never.
 */
@EnableKubernetesMockClient(crud = true)
class ConfigReloadTest {
  private static final String INFO = "level=info\n";
  private static final String DEBUG = "level=debug\n";
  private static final String TRACE = "level=trace\n";

  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir
  Path tmp;

  private Batons batons;
  private KubernetesClient operatorClient;
  private BatonOperator.Running operator;
  /** The Reloads seen to end. */
  private final java.util.Set<String> ended = new java.util.HashSet<>();
  /** Where pod web-0's container "app" mounts the config: a real directory, as baton in that container sees it. */
  private Path mount;

  @AfterEach
  void tearDown() throws Exception {
    if (operator != null) {
      operator.close();
    }
    if (operatorClient != null) {
      operatorClient.close();
    }
    if (batons != null) {
      batons.close();
    }
    ApiCalls.checkAllowed(server);
  }

  @Test
  void theReloadWaitsForTheKubeletsSwapThenTheNewGenerationReadsTheNewConfig() throws Exception {
    start(wholeConfigMap(), "app.conf", Map.of("app.conf", INFO), "5m", null);

    changeConfigMap("app.conf", DEBUG);
    Reload reload = awaitBatonWaiting();
    // The ConfigMap is new, the pod's copy is not: the serving generation goes on, the new one is not started.
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() ->
        "waiting".equals(batonReload().path("state").asText()) && config().equals("1:" + INFO));
    assertThat(reload.getStatus().getPods()).singleElement().satisfies(p -> {
      assertThat(p.getResult()).isEqualTo(PodResult.RELOADING);
      assertThat(p.getMessage()).startsWith("baton is waiting: waiting for the config under " + mount + " to be ");
    });
    assertThat(batonReload().path("message").asText()).contains("the kubelet updates a mounted ConfigMap");

    KubeletVolume.write(mount, files(Map.of("app.conf", DEBUG)));
    ReloadStatus done = awaitDone();
    assertThat(done.getPhase()).isEqualTo(ReloadStatus.SUCCEEDED);
    assertThat(done.getPods()).singleElement().satisfies(p -> {
      assertThat(p.getResult()).isEqualTo(PodResult.SUCCEEDED);
      assertThat(p.getGeneration()).isEqualTo(2L);
      assertThat(p.getMessage()).doesNotContain("may have started");
    });
    assertThat(config()).isEqualTo("2:" + DEBUG);
    assertThat(batons.get(0).status().path("reloads")).hasSize(1);
    assertThat(events("ConfigNotAwaited")).isEmpty();
  }

  @Test
  void aSecondChangeWhileBatonWaitsIsWhatItWaitsForAsTheKubeletMountsOnlyTheNewest() throws Exception {
    start(wholeConfigMap(), "app.conf", Map.of("app.conf", INFO), "5m", null);
    changeConfigMap("app.conf", DEBUG);
    awaitBatonWaiting();

    changeConfigMap("app.conf", TRACE);
    await().atMost(Duration.ofSeconds(30)).until(() -> currentReload().getStatus().getPods().get(0).getMessage()
        .equals("the config changed again while baton waited: now waiting for the newer data at " + mount));
    KubeletVolume.write(mount, files(Map.of("app.conf", TRACE)));  // the kubelet's next sync: debug was never mounted
    ReloadStatus first = awaitDone();
    assertThat(first.getPhase()).isEqualTo(ReloadStatus.SUCCEEDED);
    assertThat(config()).isEqualTo("2:" + TRACE);

    // The second change's Reload: generation 2 was checked to start with exactly that config, nothing to do.
    ReloadStatus second = awaitDone();
    assertThat(second.getPhase()).isEqualTo(ReloadStatus.SUCCEEDED);
    assertThat(second.getPods()).singleElement().satisfies(p -> assertThat(p.getGeneration()).isEqualTo(2L));
    assertThat(batons.get(0).status().path("reloads")).hasSize(1);
    assertThat(config()).isEqualTo("2:" + TRACE);
  }

  @Test
  void filesThatNeverChangeFailTheReloadWithBatonsReasonAndTheOldGenerationServesOn() throws Exception {
    start(wholeConfigMap(), "app.conf", Map.of("app.conf", INFO), "6s", null);

    changeConfigMap("app.conf", DEBUG);
    ReloadStatus done = awaitDone();
    assertThat(done.getPhase()).isEqualTo(ReloadStatus.FAILED);
    String why = "waiting for the config under " + mount + " to be ";
    assertThat(done.getPods()).singleElement().satisfies(p -> {
      assertThat(p.getResult()).isEqualTo(PodResult.FAILED);
      assertThat(p.getMessage()).contains(why).contains("gave up after 3 s (expectTimeout)");
    });
    assertThat(done.getConditions().get(0).getReason()).isEqualTo("PodFailed");
    assertThat(done.getConditions().get(0).getMessage()).startsWith("pod web-0 failed: ").contains(why);
    assertThat(events("PodReloadFailed")).singleElement().satisfies(e -> assertThat(e.getMessage()).contains(why));
    assertThat(batonReload().path("state").asText()).isEqualTo("failed");
    assertThat(batons.get(0).status().path("generation").asLong()).as("no generation was started").isEqualTo(1);
    assertThat(config()).isEqualTo("1:" + INFO);
  }

  @Test
  void anItemsProjectionIsHashedAsMountedOnlyTheListedKeyAtItsPath() throws Exception {
    Volume items = new VolumeBuilder().withName("conf").withNewConfigMap().withName("app-config").withDefaultMode(0440)
        .addNewItem().withKey("app.conf").withPath("conf.d/app.conf").withMode(0400).endItem().endConfigMap().build();
    start(items, "conf.d/app.conf", Map.of("app.conf", INFO, "other.conf", "x=1\n"), "20s", null);

    // A key the volume does not show: the mounted files already are what they will be, so nothing to wait for.
    changeConfigMap("other.conf", "x=2\n");
    ReloadStatus first = awaitDone();
    assertThat(first.getPhase()).as(first.getConditions().toString()).isEqualTo(ReloadStatus.SUCCEEDED);
    assertThat(config()).isEqualTo("2:" + INFO);

    // The key it shows: wait for the swap of conf.d/app.conf, mode 0400 as the item says (modes are not hashed).
    changeConfigMap("app.conf", DEBUG);
    awaitBatonWaiting();
    KubeletVolume.write(mount, files(Map.of("conf.d/app.conf", DEBUG)), 0400);
    ReloadStatus second = awaitDone();
    assertThat(second.getPhase()).isEqualTo(ReloadStatus.SUCCEEDED);
    assertThat(config()).isEqualTo("3:" + DEBUG);
  }

  @Test
  void anOlderBatonIsReloadedAtOnceAndTheReloadSaysTheNewConfigMayNotBeMountedYet() throws Exception {
    try (LegacyBatonProxy legacy = startLegacy()) {
      changeConfigMap("app.conf", DEBUG);
      ReloadStatus done = awaitDone();
      assertThat(done.getPhase()).isEqualTo(ReloadStatus.SUCCEEDED);
      String caveat = "the new generation may have started before the kubelet mounted the new config: its baton cannot"
          + " wait for it at " + mount + " (GET /status lists no 'expect' feature: a baton older than the operator), so"
          + " the reload was asked at once; upgrade the baton image";
      assertThat(done.getPods()).singleElement().satisfies(p ->
          assertThat(p.getMessage()).isEqualTo("generation 2 serving; " + caveat));
      assertThat(events("ConfigNotAwaited")).singleElement().satisfies(e -> {
        assertThat(e.getType()).isEqualTo("Warning");
        assertThat(e.getInvolvedObject().getKind()).isEqualTo("Reload");
        assertThat(e.getMessage()).isEqualTo("Pod web-0: " + caveat);
      });
      assertThat(legacy.reloadBodies()).as("a plain reload, as before: no expect sent").containsExactly("");
      // Which is why it says so: the kubelet has not swapped the files, and the new generation read the old ones.
      assertThat(config()).isEqualTo("2:" + INFO);
    }
  }

  /** An older baton: the real one behind a proxy that answers GET /status without "features". */
  private LegacyBatonProxy startLegacy() throws Exception {
    LegacyBatonProxy[] proxy = new LegacyBatonProxy[1];
    start(wholeConfigMap(), "app.conf", Map.of("app.conf", INFO), "5m", b -> {
      proxy[0] = LegacyBatonProxy.of(b);
      return proxy[0].controlAddress();
    });
    return proxy[0];
  }

  /** How the test reaches a baton: its own control address, or a proxy's in front of it. */
  private interface Reach {
    String address(Batons.Baton baton) throws Exception;
  }

  /**
   * The pod web-0 of Deployment web (annotated {@code baton.dev/reload-on: configmap/app-config} and the Reloads'
   * {@code podTimeout}) mounts {@code volume} at {@link #mount}, laid out with {@code mounted}; its baton's worker
   * reads {@code configFile} there. The operator runs and has recorded the config's first hash.
   */
  private void start(Volume volume, String configFile, Map<String, String> data, String podTimeout, Reach reach)
      throws Exception {
    mount = tmp.resolve("web-0/etc/app");
    Map<String, String> mounted = new java.util.TreeMap<>();
    data.forEach((k, v) -> {
      String path = volume.getConfigMap().getItems() == null || volume.getConfigMap().getItems().isEmpty() ? k
          : volume.getConfigMap().getItems().stream().filter(i -> i.getKey().equals(k)).map(i -> i.getPath())
              .findFirst().orElse(null);
      if (path != null) {
        mounted.put(path, v);
      }
    });
    KubeletVolume.write(mount, files(mounted));
    batons = Batons.start(1, java.nio.file.Files.createDirectories(tmp.resolve("batons")), Map.of("WORKER_CONFIG", mount.resolve(configFile).toString()));

    Fixtures.installCrd(client);
    Fixtures.tokenSecret(client);
    client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("app-config")
        .endMetadata().withData(data).build()).create();
    PodSpec spec = new PodSpecBuilder()
        .addNewContainer().withName("app").withImage("app")
          .addNewPort().withName(ControlAddressResolver.PORT_NAME).withContainerPort(8686).endPort()
          .addNewVolumeMount().withName(volume.getName()).withMountPath(mount.toString()).endVolumeMount()
        .endContainer()
        // A second container mounting the same config elsewhere: baton does not see it, nothing waits for it.
        .addNewContainer().withName("log-shipper").withImage("shipper")
          .addNewVolumeMount().withName(volume.getName()).withMountPath("/etc/shipper").endVolumeMount()
        .endContainer()
        .withVolumes(volume).build();
    client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
        .withNewMetadata().withName("web").addToAnnotations(Utils.RELOAD_ON_ANNOTATION, "configmap/app-config")
          .addToAnnotations(Utils.POD_TIMEOUT_ANNOTATION, podTimeout).endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("app", "web").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata().withSpec(spec).endTemplate()
        .endSpec().build()).create();
    String address = reach == null ? batons.get(0).controlAddress() : reach.address(batons.get(0));
    client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("web-0").addToLabels("app", "web")
          .addToAnnotations(ControlAddressResolver.ADDRESS_ANNOTATION, address).endMetadata()
        .withSpec(spec)
        .withNewStatus().withPhase("Running").withPodIP("10.0.0.1")
          .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
        .build()).create();

    operatorClient = Fixtures.operatorClient(client);
    operator = Fixtures.startOperator(operatorClient);
    await().atMost(Duration.ofSeconds(30)).until(() -> client.apps().deployments().inNamespace(NS).withName("web").get()
        .getMetadata().getAnnotations().containsKey(Utils.RELOAD_ON_HASH_ANNOTATION));
  }

  private static Volume wholeConfigMap() {
    return new VolumeBuilder().withName("conf").withNewConfigMap().withName("app-config").endConfigMap().build();
  }

  private void changeConfigMap(String key, String value) {
    client.configMaps().inNamespace(NS).withName("app-config").edit(c -> {
      c.getData().put(key, value);
      return c;
    });
  }

  /** The Reload for the last change, once the pod's baton holds its reload waiting for the new config. */
  private Reload awaitBatonWaiting() {
    await().atMost(Duration.ofSeconds(60)).until(() -> "waiting".equals(batonReload().path("state").asText())
        && currentReload() != null && currentReload().getStatus() != null
        && currentReload().getStatus().getPods().stream().anyMatch(p -> p.getMessage().startsWith("baton is waiting")));
    return currentReload();
  }

  /** The current Reload's status once it has ended; the next change's Reload is the current one from then on. */
  private ReloadStatus awaitDone() {
    await().atMost(Duration.ofSeconds(60)).until(() -> currentReload() != null && currentReload().getStatus() != null
        && currentReload().getStatus().isDone() && !currentReload().getStatus().getPods().isEmpty());
    Reload done = currentReload();
    ended.add(done.getMetadata().getName());
    return done.getStatus();
  }

  /** The Reload running now, or else the next one: one not yet seen to end, a started one first. */
  private Reload currentReload() {
    List<Reload> open = client.resources(Reload.class).inNamespace(NS).list().getItems().stream()
        .filter(r -> !ended.contains(r.getMetadata().getName())).toList();
    return open.stream().filter(r -> r.getStatus() != null && r.getStatus().getStartTime() != null).findFirst()
        .orElse(open.isEmpty() ? null : open.get(0));
  }

  /** Baton's newest reload, as its {@code GET /status} lists it. */
  private JsonNode batonReload() throws Exception {
    JsonNode reloads = batons.get(0).status().path("reloads");
    return reloads.isEmpty() ? reloads : reloads.get(reloads.size() - 1);
  }

  /** "generation:config" as the serving worker read it at its start. */
  private String config() throws Exception {
    String answer = batons.get(0).get("/config");
    return answer.substring(answer.indexOf(':') + 1);
  }

  private List<Event> events(String reason) {
    return client.v1().events().inNamespace(NS).list().getItems().stream().filter(e -> reason.equals(e.getReason())).toList();
  }

  private static Map<String, byte[]> files(Map<String, String> contents) {
    Map<String, byte[]> out = new java.util.TreeMap<>();
    contents.forEach((k, v) -> out.put(k, v.getBytes(StandardCharsets.UTF_8)));
    return out;
  }
}
