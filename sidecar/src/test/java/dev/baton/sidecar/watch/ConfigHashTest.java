package dev.baton.sidecar.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.sidecar.gate.LiveGenerations;
import dev.baton.sidecar.gate.Verdict;
import dev.baton.sidecar.gate.WaitBound;
import dev.baton.testkit.kubelet.KubeletVolume;

/**
 * The config hash, three ways that must agree: from a ConfigMap's data (as the operator computes it),
 * from the volume the kubelet lays out for it, and from the shell pipeline in the definition (real
 * {@code find}, {@code sort}, {@code sha256sum}).
 */
class ConfigHashTest {
    @TempDir
    Path tmp;

    @Test
    void theObjectTheKubeletVolumeAndTheShellAgree() throws Exception {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("application.yaml", "server:\n  port: 8080\n");
        data.put("Z-upper", "sorted before lower case: byte order\n");
        data.put(".hidden", "a key may start with one dot\n");
        data.put("empty", "");
        data.put("unicode.txt", "grüße 🎉\n");
        KubeletVolume volume = KubeletVolume.create(tmp.resolve("app"), data);
        byte[] binary = {0, (byte) 0xff, 10, 13};
        Files.write(volume.path().resolve("..data").resolve("blob.bin"), binary); // a binaryData key
        Files.createSymbolicLink(volume.path().resolve("blob.bin"), Path.of("..data/blob.bin"));

        Map<String, byte[]> object = new LinkedHashMap<>();
        data.forEach((k, v) -> object.put(k, v.getBytes(StandardCharsets.UTF_8)));
        object.put("blob.bin", Base64.getDecoder().decode(Base64.getEncoder().encodeToString(binary)));

        String fromObject = ConfigHash.of(object);
        assertThat(ConfigHash.of(volume.path())).isEqualTo(fromObject);
        assertThat(shell(volume.path())).isEqualTo(fromObject);
    }

    /** The definition pinned down: a value computed by hand with sha256sum, so a change to the algorithm cannot pass unnoticed. */
    @Test
    void aKnownValue() {
        // printf 'a' | sha256sum = ca978112…; printf 'b\n' …; then the two lines through sha256sum
        Map<String, byte[]> files = Map.of("b.txt", "b\n".getBytes(StandardCharsets.UTF_8), "a.txt", "a".getBytes(StandardCharsets.UTF_8));
        assertThat(ConfigHash.of(files)).isEqualTo("sha256:" + sha256Lines(
                "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  a.txt\n"
                        + "0263829989b6fd954f72baaf2fc64bc2e2f01d692d4de72986ea808f6e99813f  b.txt\n"));
        assertThat(ConfigHash.of(Map.of())).isEqualTo("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        // README's example, for the operator's MountedConfigHash to check against too
        assertThat(ConfigHash.of(Map.of("app.conf", "level=info\n".getBytes(StandardCharsets.UTF_8))))
                .isEqualTo("sha256:27382cbf60e9b7f0db912de2d4d98e6ba3cf1d81d431c67f12c86a72d6a83ea4");
    }

    /** A volume with items whose path has a directory, and a plain directory a user edits: the same rule. */
    @Test
    void subdirectoriesAndPlainDirectories() throws Exception {
        KubeletVolume volume = KubeletVolume.create(tmp.resolve("items"), Map.of("conf/app.properties", "a=1\n", "top", "t"));
        Path plain = Files.createDirectories(tmp.resolve("plain/conf"));
        Files.writeString(plain.resolve("app.properties"), "a=1\n");
        Files.writeString(plain.getParent().resolve("top"), "t");
        Files.writeString(plain.getParent().resolve("..not-in-a-config"), "skipped: top-level '..' names are the kubelet's");

        String expected = ConfigHash.of(Map.of("conf/app.properties", "a=1\n".getBytes(StandardCharsets.UTF_8),
                "top", "t".getBytes(StandardCharsets.UTF_8)));
        assertThat(ConfigHash.of(volume.path())).isEqualTo(expected);
        assertThat(ConfigHash.of(plain.getParent())).isEqualTo(expected);
        assertThat(shell(volume.path())).isEqualTo(expected);
    }

    @Test
    void aSingleFileIsHashedUnderItsName() throws IOException {
        Path file = Files.writeString(tmp.resolve("app.conf"), "x=1\n");
        assertThat(ConfigHash.of(file)).isEqualTo(ConfigHash.of(Map.of("app.conf", "x=1\n".getBytes(StandardCharsets.UTF_8))));
        assertThatThrownBy(() -> ConfigHash.of(tmp.resolve("missing"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void anUpdateChangesTheHashAndOnlyTheVisibleFilesCount() throws IOException {
        KubeletVolume volume = KubeletVolume.create(tmp.resolve("app"), Map.of("a", "1"));
        String before = ConfigHash.of(volume.path());
        volume.update(Map.of("a", "2"));
        assertThat(ConfigHash.of(volume.path())).isNotEqualTo(before).isEqualTo(ConfigHash.of(Map.of("a", "2".getBytes(StandardCharsets.UTF_8))));
        volume.update(Map.of("b", "2"));
        assertThat(ConfigHash.of(volume.path())).as("a removed key is gone").isEqualTo(ConfigHash.of(Map.of("b", "2".getBytes(StandardCharsets.UTF_8))));
    }

    /** POST /reload's expect.path may name any directory: one that is no config is refused, not hashed again and again. */
    @Test
    void aPathFarLargerThanAConfigIsRefused() throws IOException {
        Path big = Files.createDirectories(tmp.resolve("not-a-config"));
        for (int i = 0; i <= ConfigHash.MAX_FILES; i++) {
            Files.writeString(big.resolve("f" + i), "");
        }
        assertThatThrownBy(() -> ConfigHash.of(big)).isInstanceOf(ConfigHash.TooLarge.class)
                .hasMessage("there are more than 4096 files under " + big + ": not a config baton can hash");
        var gate = new ExpectedConfigGate(List.of(new ExpectedConfig(big, ConfigHash.of(Map.of()))),
                new WaitBound(java.time.Duration.ofMinutes(3), "--config-wait"));
        assertThat(gate.check(new LiveGenerations(2, new LiveGenerations.Generation(1, 1), List.of())))
                .isEqualTo(Verdict.refuse("there are more than 4096 files under " + big + ": not a config baton can hash"));
    }

    private static String shell(Path dir) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "cd \"$1\" && find -L . -mindepth 1 -path './..*' -prune -o -type f -printf '%P\\0' | LC_ALL=C sort -z"
                + " | xargs -0r sha256sum | sha256sum", "sh", dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return "sha256:" + out.split(" ")[0];
    }

    private static String sha256Lines(String lines) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(lines.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
