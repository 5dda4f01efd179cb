package dev.baton.testkit.kubelet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A configMap, secret or projected volume written as the kubelet's {@code AtomicWriter}
 * (pkg/volume/util/atomic_writer.go) writes it, first mount and every update alike: the files into a new
 * {@code ..2026_12_06_10_00_00.NNNN} directory (with the volume's file mode), a {@code ..data_tmp} symlink to
 * it renamed over {@code ..data}, a {@code NAME -> ..data/NAME} symlink for each top-level name (a key, or the
 * first segment of an {@code items[].path}), stale ones removed, then the old directory removed.
 */
public final class KubeletVolume {
  private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("'..'yyyy_MM_dd_HH_mm_ss.");

  private final Path dir;

  private KubeletVolume(Path dir) {
    this.dir = dir;
  }

  /** The volume as the kubelet first mounts it, holding {@code files} (path to content, as a ConfigMap's data). */
  public static KubeletVolume create(Path dir, Map<String, String> files) throws IOException {
    KubeletVolume volume = new KubeletVolume(dir);
    volume.update(files);
    return volume;
  }

  public Path path() {
    return dir;
  }

  /** The kubelet's update after the ConfigMap changed. */
  public void update(Map<String, String> files) throws IOException {
    Map<String, byte[]> bytes = new LinkedHashMap<>();
    files.forEach((name, content) -> bytes.put(name, content.getBytes(StandardCharsets.UTF_8)));
    write(dir, bytes);
  }

  /** Writes {@code files} (path in the volume to content) with mode 0644, the kubelet's default; returns the new directory's name. */
  public static String write(Path dir, Map<String, byte[]> files) throws IOException {
    return write(dir, files, 0644);
  }

  /** The same with the files' {@code mode} ({@code defaultMode} or an item's {@code mode}), e.g. 0400. */
  public static String write(Path dir, Map<String, byte[]> files, int mode) throws IOException {
    Files.createDirectories(dir);
    Path data = dir.resolve("..data");
    Path old = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
    Path ts = Files.createDirectory(dir.resolve(ZonedDateTime.now(ZoneOffset.UTC).format(TIMESTAMP)
        + Long.toUnsignedString(ThreadLocalRandom.current().nextLong() & 0x7fffffffL)));
    for (var f : files.entrySet()) {
      Path file = ts.resolve(f.getKey());
      Files.createDirectories(file.getParent());
      Files.write(file, f.getValue());
      Files.setPosixFilePermissions(file, permissions(mode));
    }
    Path tmpLink = dir.resolve("..data_tmp");
    Files.createSymbolicLink(tmpLink, ts.getFileName());
    Files.move(tmpLink, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);  // rename(2)
    Set<String> topLevel = files.keySet().stream().map(k -> k.split("/", 2)[0]).collect(Collectors.toSet());
    for (String name : topLevel) {
      Path link = dir.resolve(name);
      if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
        Files.createSymbolicLink(link, Path.of("..data", name));
      }
    }
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path e : entries.toList()) {
        String name = e.getFileName().toString();
        if (!name.startsWith("..") && !topLevel.contains(name)) {
          Files.delete(e);  // a key the new data no longer has
        }
      }
    }
    if (old != null) {
      try (Stream<Path> walk = Files.walk(old)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    return ts.getFileName().toString();
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = PosixFilePermission.values();  // OWNER_READ .. OTHERS_EXECUTE, high bit first
    for (int i = 0; i < 9; i++) {
      if ((mode & (1 << (8 - i))) != 0) {
        out.add(bits[i]);
      }
    }
    return out;
  }
}
