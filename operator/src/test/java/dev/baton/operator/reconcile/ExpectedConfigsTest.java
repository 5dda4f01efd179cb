package dev.baton.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.operator.sidecar.BatonClient.Expect;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * What a config-driven reload asks a pod's baton to wait for: every whole mount of the changed configs in baton's
 * container (the one with the port named "baton"), each with the hash of the files the kubelet will put there, and
 * for what it cannot know, why. The files themselves are checked against a kubelet layout and a real baton in
 * {@link MountedConfigHashTest} and {@link ConfigReloadTest}.
 */
class ExpectedConfigsTest {
  private static final Map<String, Map<String, byte[]>> OBJECTS = Map.of(
      "configmap/app-config", MountedConfigHash.contents(new ConfigMapBuilder().withNewMetadata().withName("app-config")
          .endMetadata().addToData("app.conf", "level=info\n").addToData("extra.conf", "x=1\n").build()));

  private static final Pod POD = new PodBuilder().withNewMetadata().withName("web-0").endMetadata().withNewSpec()
      .addNewContainer().withName("log-shipper")
        .addNewVolumeMount().withName("conf").withMountPath("/etc/shipper").endVolumeMount()
      .endContainer()
      .addNewContainer().withName("app")
        .addNewPort().withName("baton").withContainerPort(8686).endPort()
        .addNewVolumeMount().withName("conf").withMountPath("/etc/app").endVolumeMount()
        .addNewVolumeMount().withName("one").withMountPath("/etc/one").endVolumeMount()
        .addNewVolumeMount().withName("labelled").withMountPath("/etc/labelled").endVolumeMount()
        .addNewVolumeMount().withName("with-secret").withMountPath("/etc/with-secret").endVolumeMount()
        .addNewVolumeMount().withName("conf").withMountPath("/etc/app/app.conf").withSubPath("app.conf").endVolumeMount()
        .addNewVolumeMount().withName("other").withMountPath("/etc/other").endVolumeMount()
      .endContainer()
      .addNewVolume().withName("conf").withNewConfigMap().withName("app-config").endConfigMap().endVolume()
      .addNewVolume().withName("one").withNewConfigMap().withName("app-config").withDefaultMode(0400)
        .addNewItem().withKey("app.conf").withPath("nested/app.conf").endItem().endConfigMap().endVolume()
      .addNewVolume().withName("labelled").withNewProjected()
        .addNewSource().withNewConfigMap().withName("app-config").endConfigMap().endSource()
        .addNewSource().withNewDownwardAPI().addNewItem().withPath("labels").withNewFieldRef()
          .withFieldPath("metadata.labels").endFieldRef().endItem().endDownwardAPI().endSource()
      .endProjected().endVolume()
      .addNewVolume().withName("with-secret").withNewProjected()
        .addNewSource().withNewConfigMap().withName("app-config").endConfigMap().endSource()
        .addNewSource().withNewSecret().withName("db").endSecret().endSource()
      .endProjected().endVolume()
      .addNewVolume().withName("other").withNewConfigMap().withName("unrelated").endConfigMap().endVolume()
      .endSpec().build();

  @Test
  void everyWholeMountInBatonsContainerWithTheHashOfWhatItWillShow() {
    MountedConfigHash.Contents noSecrets = ref -> {
      if (ref.startsWith("secret/")) {
        throw new MountedConfigHash.Unknown(ref + " is a Secret, which the operator reads only with --reload-on-secrets");
      }
      return OBJECTS.get(ref);
    };
    ExpectedConfigs.Plan plan = ExpectedConfigs.plan(POD, List.of("configmap/app-config"), noSecrets);

    assertThat(plan.expect()).containsExactly(
        new Expect("/etc/app", hash(Map.of("app.conf", "level=info\n", "extra.conf", "x=1\n"))),
        new Expect("/etc/one", hash(Map.of("nested/app.conf", "level=info\n"))));
    assertThat(plan.notAwaited()).containsExactly(
        "/etc/labelled: volume labelled also projects a downwardAPI source, whose files the operator does not compute",
        "/etc/with-secret: secret/db is a Secret, which the operator reads only with --reload-on-secrets");
  }

  @Test
  void nothingForAReloadNotMadeForConfigsOrAPodThatDoesNotSayWhereBatonRuns() {
    assertThat(ExpectedConfigs.plan(POD, List.of(), OBJECTS::get)).isEqualTo(ExpectedConfigs.Plan.NONE);
    assertThat(ExpectedConfigs.plan(POD, List.of("configmap/not-mounted"), OBJECTS::get)).isEqualTo(ExpectedConfigs.Plan.NONE);

    Pod twoWithoutPort = new PodBuilder(POD).editSpec().editLastContainer().withPorts().endContainer().endSpec().build();
    assertThat(ExpectedConfigs.plan(twoWithoutPort, List.of("configmap/app-config"), OBJECTS::get).notAwaited())
        .containsExactly("which container runs baton is unknown (no container port named 'baton' among several containers)");
    Pod onlyOne = new PodBuilder(twoWithoutPort).editSpec().removeFromContainers(POD.getSpec().getContainers().get(0))
        .endSpec().build();
    assertThat(ExpectedConfigs.plan(onlyOne, List.of("configmap/app-config"), OBJECTS::get).expect())
        .extracting(Expect::path).containsExactly("/etc/app", "/etc/one");
  }

  @Test
  void batonWaitsHalfThePodTimeoutSoItsOwnReasonArrivesFirst() {
    assertThat(ExpectedConfigs.expectTimeout(Duration.ofMinutes(5))).isEqualTo(Duration.ofSeconds(150));
    assertThat(Durations.format(ExpectedConfigs.expectTimeout(Duration.ofMinutes(5)))).isEqualTo("150s");
    assertThat(Durations.format(ExpectedConfigs.expectTimeout(Duration.ofSeconds(5)))).isEqualTo("2500ms");
    assertThat(Durations.format(ExpectedConfigs.expectTimeout(Duration.ofMillis(1)))).as("never 0: baton refuses it")
        .isEqualTo("1ms");
  }

  private static String hash(Map<String, String> files) {
    TreeMap<String, byte[]> bytes = new TreeMap<>();
    files.forEach((k, v) -> bytes.put(k, v.getBytes(StandardCharsets.UTF_8)));
    return MountedConfigHash.of(bytes);
  }
}
