package dev.baton.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which ways of reading a ConfigMap or Secret a running pod never sees change (and which it does). */
class ConfigUsesTest {
  private static final PodSpec POD = new PodSpecBuilder()
      .addNewInitContainer().withName("render")
        .addNewEnv().withName("MODE").withNewValueFrom().withNewConfigMapKeyRef("mode", "app-config", false)
          .endValueFrom().endEnv()
      .endInitContainer()
      .addNewContainer().withName("app")
        .addNewEnvFrom().withNewSecretRef().withName("db").endSecretRef().endEnvFrom()
        .addNewEnv().withName("PLAIN").withValue("x").endEnv()
        .addNewVolumeMount().withName("conf").withMountPath("/etc/app").endVolumeMount()
        .addNewVolumeMount().withName("all").withMountPath("/etc/all/one").withSubPathExpr("$(POD_NAME)").endVolumeMount()
        .addNewVolumeMount().withName("tls").withMountPath("/etc/tls").endVolumeMount()
      .endContainer()
      .addNewVolume().withName("conf").withNewConfigMap().withName("app-config").endConfigMap().endVolume()
      .addNewVolume().withName("tls").withNewSecret().withSecretName("tls").endSecret().endVolume()
      .addNewVolume().withName("all").withNewProjected()
        .addNewSource().withNewConfigMap().withName("features").endConfigMap().endSource()
        .addNewSource().withNewSecret().withName("tls").endSecret().endSource()
      .endProjected().endVolume()
      .build();

  @Test
  void envEnvFromAndSubPathMountsNeverUpdateInAnyContainer() {
    List<ConfigUses.Use> uses = ConfigUses.neverUpdated(POD,
        List.of("configmap/app-config", "secret/db", "configmap/features", "secret/tls"));
    assertThat(uses).containsExactly(
        new ConfigUses.Use("configmap/app-config", "render", "env MODE"),
        new ConfigUses.Use("secret/db", "app", "envFrom"),
        new ConfigUses.Use("configmap/features", "app", "subPath mount /etc/all/one"),
        new ConfigUses.Use("secret/tls", "app", "subPath mount /etc/all/one"));
    assertThat(ConfigUses.describe(uses)).isEqualTo("configmap/app-config through env MODE (container render);"
        + " configmap/features through subPath mount /etc/all/one (container app); secret/db through envFrom"
        + " (container app); secret/tls through subPath mount /etc/all/one (container app)");
  }

  @Test
  void wholeVolumeMountsAreWhereAReloadCouldWaitForTheNewData() {
    assertThat(ConfigUses.inPlaceMounts(POD, List.of("configmap/app-config", "secret/tls", "configmap/features")))
        .extracting(m -> m.container() + ":" + m.mountPath() + ":" + m.volume().getName())
        .containsExactly("app:/etc/app:conf", "app:/etc/tls:tls");
  }

  @Test
  void aWholeVolumeMountUpdatesInPlace() {
    // app-config is also a whole-volume mount and tls one too: only their other uses count.
    assertThat(ConfigUses.neverUpdated(POD, List.of("configmap/other"))).isEmpty();
    PodSpec volumesOnly = new PodSpecBuilder(POD).withInitContainers().editFirstContainer().withEnvFrom()
        .withVolumeMounts(POD.getContainers().get(0).getVolumeMounts().get(0), POD.getContainers().get(0).getVolumeMounts().get(2))
        .endContainer().build();
    assertThat(ConfigUses.neverUpdated(volumesOnly, List.of("configmap/app-config", "secret/tls", "secret/db"))).isEmpty();
  }
}
