package dev.baton.sidecar.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.testkit.kubelet.KubeletVolume;

/**
 * {@code --watch} on real files: the kubelet's atomic {@code ..data} swap, a file edited in place, a file
 * replaced by rename, a burst debounced into one change, and no change reported for a touch or for
 * content that ends up as it was.
 */
class ConfigWatcherTest {
    private static final Duration DEBOUNCE = Duration.ofMillis(300);

    @TempDir
    Path tmp;
    private final List<ConfigWatcher.Change> changes = new CopyOnWriteArrayList<>();
    private ConfigWatcher watcher;

    @AfterEach
    void stop() {
        if (watcher != null) {
            watcher.close();
        }
    }

    @Test
    void theKubeletsAtomicSwapIsOneChange() throws Exception {
        KubeletVolume volume = KubeletVolume.create(tmp.resolve("app"), Map.of("application.yaml", "port: 1\n", "log.xml", "<x/>"));
        String before = ConfigHash.of(volume.path());
        watch(volume.path());

        volume.update(Map.of("application.yaml", "port: 2\n", "log.xml", "<x/>"));

        ConfigWatcher.Change change = awaitChanges(1).get(0);
        assertThat(change.path()).isEqualTo(volume.path());
        assertThat(change.previous()).isEqualTo(before);
        assertThat(change.sha256()).isEqualTo(ConfigHash.of(volume.path()));
        assertQuietFor(DEBOUNCE.multipliedBy(4), 1);
    }

    /** A file named on its own inside a kubelet volume (the key's symlink): the swap happens in its parent. */
    @Test
    void aSingleFileOfAKubeletVolume() throws Exception {
        KubeletVolume volume = KubeletVolume.create(tmp.resolve("app"), Map.of("a.conf", "1", "b.conf", "1"));
        watch(volume.path().resolve("a.conf"));
        volume.update(Map.of("a.conf", "1", "b.conf", "2"));
        assertQuietFor(DEBOUNCE.multipliedBy(4), 0); // only b changed
        volume.update(Map.of("a.conf", "2", "b.conf", "2"));
        assertThat(awaitChanges(1).get(0).path()).isEqualTo(volume.path().resolve("a.conf"));
    }

    @Test
    void aFileEditedInPlaceOrReplacedByRename() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("etc/app"));
        Path conf = Files.writeString(dir.resolve("app.conf"), "x=1\n");
        Files.createDirectories(dir.resolve("conf.d"));
        watch(dir);

        Files.writeString(conf, "x=2\n"); // in place: truncate and write
        awaitChanges(1);

        Path swap = Files.writeString(dir.resolve(".app.conf.swp"), "x=3\n");
        Files.move(swap, conf, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING); // as editors save
        awaitChanges(2);

        Files.writeString(dir.resolve("conf.d/extra.conf"), "y=1\n"); // a subdirectory, there from the start
        awaitChanges(3);
        Path late = Files.createDirectories(dir.resolve("conf.d/late"));
        awaitChanges(3); // an empty directory changes no file: no reload
        Files.writeString(late.resolve("z.conf"), "z\n"); // a directory made after the start
        awaitChanges(4);
    }

    @Test
    void aBurstOfWritesIsOneChange() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("burst"));
        Files.writeString(dir.resolve("a"), "0");
        Duration debounce = Duration.ofSeconds(1); // longer than any pause a loaded machine puts between two writes
        watcher = ConfigWatcher.start(List.of(dir), debounce, changes::addAll);
        for (int i = 1; i <= 20; i++) {
            Files.writeString(dir.resolve(i % 2 == 0 ? "a" : "b"), Integer.toString(i));
        }
        ConfigWatcher.Change change = awaitChanges(1).get(0);
        assertQuietFor(debounce.multipliedBy(3), 1);
        assertThat(change.sha256()).isEqualTo(ConfigHash.of(Map.of("a", "20".getBytes(StandardCharsets.UTF_8),
                "b", "19".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void aTouchOrAChangeUndoneIsNoChange() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("same"));
        Path file = Files.writeString(dir.resolve("a"), "same");
        watch(dir);
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(0));
        Files.writeString(file, "other");
        Files.writeString(file, "same");
        Files.writeString(dir.resolve("a.tmp~"), "x");
        Files.delete(dir.resolve("a.tmp~"));
        assertQuietFor(DEBOUNCE.multipliedBy(5), 0);
    }

    /** A directory removed and made again (a volume unmounted and mounted): watched again, and its new content reported. */
    @Test
    void aDirectoryThatComesBackIsWatchedAgain() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("again"));
        Files.writeString(dir.resolve("a"), "1");
        watch(dir);
        Files.delete(dir.resolve("a"));
        Files.delete(dir);
        assertQuietFor(DEBOUNCE.multipliedBy(3), 0); // gone is not a change
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("a"), "2");
        awaitChanges(1);
        Files.writeString(dir.resolve("a"), "3");
        awaitChanges(2);
    }

    private void watch(Path path) throws IOException {
        watcher = ConfigWatcher.start(List.of(path), DEBOUNCE, changes::addAll);
    }

    private List<ConfigWatcher.Change> awaitChanges(int n) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(changes).hasSize(n));
        return changes;
    }

    /** Nothing more is reported for a while: the condition must hold throughout, on a slow machine as on a fast one. */
    private void assertQuietFor(Duration d, int expected) {
        await().during(d).atMost(d.plusSeconds(10)).untilAsserted(() -> assertThat(changes).hasSize(expected));
    }
}
