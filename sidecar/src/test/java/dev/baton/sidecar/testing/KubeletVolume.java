package dev.baton.sidecar.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A ConfigMap volume written the way the kubelet's {@code AtomicWriter} (pkg/volume/util/atomic_writer.go)
 * writes it: the payload into a new {@code ..YYYY_MM_DD_HH_MM_SS.NNNN} directory, a {@code ..data_tmp}
 * symlink to it renamed over {@code ..data}, a {@code key -> ..data/key} symlink for each new top-level
 * entry, stale ones removed, then the old data directory removed.
 */
public final class KubeletVolume {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss.");

    private final Path dir;

    private KubeletVolume(Path dir) {
        this.dir = dir;
    }

    /** The volume as the kubelet first mounts it, holding {@code files} (path to content, as a ConfigMap's data). */
    public static KubeletVolume create(Path dir, Map<String, String> files) throws IOException {
        Files.createDirectories(dir);
        KubeletVolume volume = new KubeletVolume(dir);
        volume.update(files);
        return volume;
    }

    public Path path() {
        return dir;
    }

    /** The kubelet's update after the ConfigMap changed. */
    public void update(Map<String, String> files) throws IOException {
        Path dataLink = dir.resolve("..data");
        Path oldData = Files.isSymbolicLink(dataLink) ? dir.resolve(Files.readSymbolicLink(dataLink)) : null;
        Path newData = Files.createDirectory(dir.resolve(".." + LocalDateTime.now().format(TIMESTAMP)
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong() & 0x7fffffffL)));
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path file = newData.resolve(f.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, f.getValue(), StandardCharsets.UTF_8);
        }
        Path tmp = dir.resolve("..data_tmp");
        Files.createSymbolicLink(tmp, newData.getFileName());
        Files.move(tmp, dataLink, StandardCopyOption.ATOMIC_MOVE); // rename(2) over the old symlink
        Set<String> topLevel = new HashSet<>();
        for (String key : files.keySet()) {
            String first = key.split("/")[0];
            topLevel.add(first);
            Path visible = dir.resolve(first);
            if (!Files.exists(visible, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(visible, Path.of("..data").resolve(first));
            }
        }
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path e : (Iterable<Path>) entries::iterator) {
                String name = e.getFileName().toString();
                if (!name.startsWith("..") && !topLevel.contains(name)) {
                    Files.delete(e);
                }
            }
        }
        if (oldData != null) {
            deleteRecursively(oldData);
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
