package dev.baton.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testkit.kubelet.KubeletVolume;
import dev.baton.testkit.process.Commands;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's expected hash of a mounted config equals the hash of the files as the kubelet lays them out
 * ({@code ..TIMESTAMP/} directories, the {@code ..data} link, one link per top-level name), read the way
 * baton will read them ({@link #directoryHash}), and the shell one-liner the definition gives; after an
 * atomic {@code ..data} swap it is the new content's.
 */
class MountedConfigHashTest {
  @TempDir
  Path tmp;

  private final ConfigMap appConfig = new ConfigMapBuilder().withNewMetadata().withName("app-config").endMetadata()
      .addToData("app.conf", "level=info\n").addToData("features.properties", "beta=false\n")
      .addToBinaryData("logo.bin", Base64.getEncoder().encodeToString(new byte[] {0, 1, 2, (byte) 0xff}))
      .build();
  private final Secret tls = new SecretBuilder().withNewMetadata().withName("tls").endMetadata()
      .addToData("tls.crt", Base64.getEncoder().encodeToString("CERT".getBytes(StandardCharsets.UTF_8)))
      .addToData("tls.key", Base64.getEncoder().encodeToString("KEY".getBytes(StandardCharsets.UTF_8)))
      .build();

  @Test
  void aWholeConfigMapItsItemsASecretAndAProjectedVolume() throws Exception {
    Map<String, Map<String, byte[]>> objects = new HashMap<>(Map.of(
        "configmap/app-config", MountedConfigHash.contents(appConfig), "secret/tls", MountedConfigHash.contents(tls)));

    Volume whole = new VolumeBuilder().withName("conf").withNewConfigMap().withName("app-config").endConfigMap().build();
    assertSameAsKubeletLayout(whole, objects, Map.of("app.conf", "level=info\n", "features.properties", "beta=false\n",
        "logo.bin", new byte[] {0, 1, 2, (byte) 0xff}));

    Volume items = new VolumeBuilder().withName("conf").withNewConfigMap().withName("app-config")
        .addNewItem().withKey("app.conf").withPath("conf.d/app.conf").endItem().endConfigMap().build();
    assertSameAsKubeletLayout(items, objects, Map.of("conf.d/app.conf", "level=info\n"));

    Volume secret = new VolumeBuilder().withName("tls").withNewSecret().withSecretName("tls").endSecret().build();
    assertSameAsKubeletLayout(secret, objects, Map.of("tls.crt", "CERT", "tls.key", "KEY"));

    Volume projected = new VolumeBuilder().withName("all").withNewProjected()
        .addNewSource().withNewConfigMap().withName("app-config").addNewItem().withKey("app.conf").withPath("app.conf")
          .endItem().endConfigMap().endSource()
        .addNewSource().withNewSecret().withName("tls").addNewItem().withKey("tls.crt").withPath("certs/tls.crt")
          .endItem().endSecret().endSource()
        .endProjected().build();
    assertSameAsKubeletLayout(projected, objects, Map.of("app.conf", "level=info\n", "certs/tls.crt", "CERT"));

    // What the operator cannot know: a missing object, a missing listed key, a downward API source; optional ones are known.
    assertThat(MountedConfigHash.expected(new VolumeBuilder().withName("x").withNewConfigMap().withName("gone")
        .endConfigMap().build(), objects::get)).isEqualTo(new MountedConfigHash.Expected(null,
        "configmap/gone does not exist: the kubelet cannot update the volume"));
    assertThat(MountedConfigHash.expected(new VolumeBuilder().withName("x").withNewConfigMap().withName("gone")
        .withOptional(true).endConfigMap().build(), objects::get).hash()).isEqualTo(MountedConfigHash.of(new TreeMap<>()));
    assertThat(MountedConfigHash.expected(new VolumeBuilder().withName("x").withNewConfigMap().withName("app-config")
        .addNewItem().withKey("nope").withPath("nope").endItem().endConfigMap().build(), objects::get).unknownBecause())
        .isEqualTo("configmap/app-config has no key 'nope' (listed in the volume's items): the kubelet cannot update the volume");
    assertThat(MountedConfigHash.expected(new VolumeBuilder().withName("x").withNewConfigMap().withName("app-config")
        .withOptional(true).addNewItem().withKey("nope").withPath("nope").endItem().addNewItem().withKey("app.conf")
        .withPath("app.conf").endItem().endConfigMap().build(), objects::get).hash())
        .isEqualTo(MountedConfigHash.of(files(Map.of("app.conf", "level=info\n"))));
    assertThat(MountedConfigHash.expected(new VolumeBuilder().withName("x").withNewProjected().addNewSource()
        .withNewDownwardAPI().addNewItem().withPath("labels").withNewFieldRef().withFieldPath("metadata.labels")
        .endFieldRef().endItem().endDownwardAPI().endSource().endProjected().build(), objects::get).unknownBecause())
        .isEqualTo("volume x also projects a downwardAPI source, whose files the operator does not compute");
  }

  @Test
  void anUpdateSwapsDotDataAndTheHashBecomesTheNewContents() throws Exception {
    Volume whole = new VolumeBuilder().withName("conf").withNewConfigMap().withName("app-config").endConfigMap().build();
    Path dir = tmp.resolve("conf");
    KubeletVolume.write(dir, files(Map.of("app.conf", "level=info\n", "old.conf", "x")));
    String before = directoryHash(dir);
    String timestamped = KubeletVolume.write(dir, files(Map.of("app.conf", "level=debug\n")));
    String after = directoryHash(dir);

    ConfigMap changed = new ConfigMapBuilder(appConfig).withData(Map.of("app.conf", "level=debug\n")).withBinaryData(null).build();
    assertThat(after).isNotEqualTo(before)
        .isEqualTo(MountedConfigHash.expected(whole, Map.of("configmap/app-config", MountedConfigHash.contents(changed))::get).hash())
        .isEqualTo(shellHash(dir));
    assertThat(Files.list(dir).map(p -> p.getFileName().toString()).sorted())
        .as("the old ..TIMESTAMP directory and the removed key are gone, as the kubelet removes them")
        .containsExactly(timestamped, "..data", "app.conf");
  }

  private void assertSameAsKubeletLayout(Volume volume, Map<String, Map<String, byte[]>> objects, Map<String, Object> expectedFiles)
      throws Exception {
    Path dir = Files.createTempDirectory(tmp, volume.getName());
    KubeletVolume.write(dir, files(expectedFiles));
    String expected = MountedConfigHash.expected(volume, objects::get).hash();
    assertThat(expected).as(volume.toString()).startsWith("sha256:")
        .isEqualTo(directoryHash(dir))
        .isEqualTo(shellHash(dir));
  }

  private static SortedMap<String, byte[]> files(Map<String, ?> contents) {
    SortedMap<String, byte[]> out = new TreeMap<>();
    contents.forEach((k, v) -> out.put(k, v instanceof byte[] b ? b : v.toString().getBytes(StandardCharsets.UTF_8)));
    return out;
  }

  /** The mount as baton will read it: every regular file, links followed, top-level "..*" entries left out. */
  static String directoryHash(Path dir) throws IOException {
    SortedMap<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> top = Files.list(dir)) {
      for (Path entry : top.filter(p -> !p.getFileName().toString().startsWith("..")).toList()) {
        try (Stream<Path> walk = Files.walk(entry, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
          for (Path f : walk.filter(Files::isRegularFile).toList()) {
            files.put(dir.relativize(f).toString(), Files.readAllBytes(f));
          }
        }
      }
    }
    return MountedConfigHash.of(files);
  }

  /** The definition's shell one-liner, run by bash with find and sha256sum. */
  private static String shellHash(Path dir) throws Exception {
    String out = Commands.run(Duration.ofSeconds(30), "bash", "-c", "cd \"$1\" && find -L . -mindepth 1 -path './..*' -prune"
        + " -o -type f -printf '%P\\n' | LC_ALL=C sort | while read -r f; do sha256sum \"$f\"; done | sha256sum", "hash",
        dir.toString()).ok().output();
    return "sha256:" + out.strip().split("\\s+")[0];
  }
}
