package dev.baton.sidecar.jvmcache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What a cache was trained from, as a name: anything that changes makes another key, so that generation
 * trains a new cache instead of running with a stale one (or silently without one). In it: the whole
 * command line (every JVM option, the main class or jar, the arguments), the JVM option variables of the
 * worker's environment, the JDK (its release file, and its {@code lib/modules} and
 * {@code libjvm.so} as files), and every jar of the class path and every {@code -javaagent} jar as a file:
 * real path, size, modification and change times, inode. A file's identity, not its content: a changed jar
 * is a new file or a new time, and JDK 25 itself no longer checks a jar's time (it used a cache with a copy
 * of its jar). An agent jar is in the key because an older agent wrote caches that crash the JVM (JDK
 * 25.0.3, JDK-8380409). Not the worker's directory: what a relative path on the command line names is in
 * the key as that file's real path.
 *
 * <p>{@link #description()} is the same in words, kept beside the cache ({@code key.txt}).
 */
record CacheKey(String id, String description) {

    private static final String FORMAT = "baton jvm cache 1";

    static CacheKey of(JavaCommand command, JavaRuntime runtime, CacheKind kind, Map<String, String> env, Path directory)
            throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(FORMAT + " " + kind);
        lines.add("command: " + String.join(" ", command.argv()));
        for (String variable : JavaCommand.OPTION_VARIABLES) {
            lines.add(variable + "=" + env.getOrDefault(variable, ""));
        }
        if (command.classPathOption().isEmpty()) {
            lines.add("CLASSPATH=" + env.getOrDefault("CLASSPATH", ""));
        }
        lines.add("jdk: " + runtime.home() + " " + runtime.version());
        lines.add(runtime.release().strip().replace('\n', ' '));
        for (Path file : runtime.identityFiles()) {
            lines.add("jdk file: " + identity(file));
        }
        for (Path jar : command.classPath()) {
            lines.add("class path: " + identity(jar));
        }
        for (Path agent : command.agentJars(env, directory)) {
            lines.add("agent: " + identity(agent));
        }
        String description = String.join("\n", lines) + "\n";
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(description.getBytes(StandardCharsets.UTF_8));
            return new CacheKey(HexFormat.of().formatHex(digest, 0, 8), description);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A file as the key sees it: where it really is, and what changes whenever it is written or replaced. */
    private static String identity(Path file) throws IOException {
        try {
            Path real = file.toRealPath();
            Map<String, Object> a = Files.readAttributes(real, "unix:size,lastModifiedTime,ctime,ino", LinkOption.NOFOLLOW_LINKS);
            return real + " size=" + a.get("size") + " mtime=" + a.get("lastModifiedTime") + " ctime=" + a.get("ctime")
                    + " inode=" + a.get("ino");
        } catch (NoSuchFileException missing) {
            return file.toAbsolutePath() + " missing";
        }
    }
}
