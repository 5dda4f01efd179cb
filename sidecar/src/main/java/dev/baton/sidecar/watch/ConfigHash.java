package dev.baton.sidecar.watch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The content hash of a config: one SHA-256 over a set of files, each a relative path and its bytes.
 * Defined so that the operator can compute it from a ConfigMap or Secret object and {@code baton} from
 * the volume the kubelet mounted for it, and get the same value once the kubelet has caught up: the
 * operator's {@code MountedConfigHash} (operator/README.md, "v1") is the same definition, and the two
 * agree on the shell pipeline below.
 *
 * <h2>Definition</h2>
 * <ol>
 * <li>The files: for a ConfigMap, every key of {@code data} (content: the value's UTF-8 bytes) and of
 * {@code binaryData} (content: the base64-decoded bytes); for a Secret, every key of {@code data}
 * (base64-decoded; the API server has merged {@code stringData} into it). A volume whose {@code items}
 * select keys holds only those, each at its {@code path}. File modes are not part of the hash.</li>
 * <li>Sort them by path, comparing the paths' UTF-8 bytes as unsigned bytes ({@code LC_ALL=C sort}).</li>
 * <li>For each, one line: the lowercase hex SHA-256 of the content, two spaces, the path, {@code \n} —
 * exactly a line of {@code sha256sum}'s output.</li>
 * <li>The config hash is {@code sha256:} and the lowercase hex SHA-256 of those lines (of nothing, for an
 * empty config: {@code sha256:e3b0c442…b855}).</li>
 * </ol>
 *
 * <h2>On disk</h2>
 * The kubelet lays a ConfigMap volume out as one file per key behind the {@code ..data} symlink
 * ({@code key -> ..data/key}, {@code ..data -> ..2026_12_06_10_00_00.123456789}). {@link #of(Path)}
 * hashes the regular files found under a directory, following symlinks and skipping the top-level entries
 * whose name starts with {@code ..} (the kubelet's own: keys and item paths may not start with {@code ..}),
 * which is the list above. The same in a shell (with {@code sha256:} before the result):
 * <pre>
 *   cd /etc/app &amp;&amp; find -L . -mindepth 1 -path './..*' -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0r sha256sum | sha256sum
 * </pre>
 * A path naming a single file hashes that one file under its own name.
 */
public final class ConfigHash {
    /** A ConfigMap or Secret holds at most 1 MiB; a projected volume a few of them. Anything far larger is not a config. */
    static final long MAX_BYTES = 64L << 20;
    /** A ConfigMap has a few keys, a projected volume a few dozen; a path with more files is not a config (or is "/"). */
    static final int MAX_FILES = 4096;

    /** The path holds far more than a config: hashing it again will not help. */
    public static final class TooLarge extends IOException {
        TooLarge(String message) {
            super(message);
        }
    }

    private ConfigHash() {
    }

    /** What every hash starts with: the algorithm, so that another can follow. */
    public static final String PREFIX = "sha256:";

    /** The hash of these files (path to content), per the definition above. */
    public static String of(Map<String, byte[]> files) {
        SortedMap<byte[], byte[]> sorted = new TreeMap<>(Arrays::compareUnsigned);
        files.forEach((path, content) -> sorted.put(path.getBytes(StandardCharsets.UTF_8), content));
        MessageDigest lines = sha256();
        sorted.forEach((path, content) -> {
            lines.update(hex(sha256().digest(content)).getBytes(StandardCharsets.US_ASCII));
            lines.update("  ".getBytes(StandardCharsets.US_ASCII));
            lines.update(path);
            lines.update((byte) '\n');
        });
        return PREFIX + hex(lines.digest());
    }

    /** The first 12 hex digits of a hash, for log lines and messages. */
    public static String brief(String hash) {
        String hex = hash.startsWith(PREFIX) ? hash.substring(PREFIX.length()) : hash;
        return hex.substring(0, Math.min(12, hex.length())) + "…";
    }

    /**
     * The hash of the config under {@code path}, a directory (the kubelet's layout or a plain one) or one file.
     *
     * @throws NoSuchFileException when the path does not exist
     * @throws IOException         when a file cannot be read, or the files add up to more than 64 MiB
     */
    public static String of(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            if (!Files.exists(path)) {
                throw new NoSuchFileException(path.toString());
            }
            return of(Map.of(path.getFileName().toString(), read(path, 0)));
        }
        Map<String, byte[]> files = new TreeMap<>();
        long[] total = {0};
        Files.walkFileTree(path, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return kubeletInternal(path, dir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile() && !kubeletInternal(path, file)) {
                    if (files.size() >= MAX_FILES) {
                        throw new TooLarge("there are more than " + MAX_FILES + " files under " + path + ": not a config baton can hash");
                    }
                    byte[] content = read(file, total[0]);
                    total[0] += content.length;
                    files.put(relative(path, file), content);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (kubeletInternal(path, file)) {
                    return FileVisitResult.CONTINUE; // the kubelet removing its old data directory as we pass
                }
                throw e; // a symlink whose target vanished mid-swap, a loop, no permission: the caller tries again
            }
        });
        return of(files);
    }

    /** Top-level entries whose name starts with "..": the kubelet's timestamped data directories and its {@code ..data} symlinks. */
    private static boolean kubeletInternal(Path root, Path p) {
        return root.equals(p.getParent()) && p.getFileName().toString().startsWith("..");
    }

    private static String relative(Path root, Path file) {
        StringBuilder s = new StringBuilder();
        for (Path part : root.relativize(file)) {
            if (s.length() > 0) {
                s.append('/');
            }
            s.append(part);
        }
        return s.toString();
    }

    private static byte[] read(Path file, long sizeSoFar) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] content = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, MAX_BYTES - sizeSoFar + 1));
            if (sizeSoFar + content.length > MAX_BYTES) {
                throw new TooLarge("the files under " + file.getParent() + " add up to more than "
                        + (MAX_BYTES >> 20) + " MiB: not a config baton can hash");
            }
            return content;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
