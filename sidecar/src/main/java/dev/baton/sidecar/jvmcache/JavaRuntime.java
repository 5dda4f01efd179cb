package dev.baton.sidecar.jvmcache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The JDK a {@code java} launcher belongs to: its home (the launcher's real path, two levels up), its
 * version from the home's {@code release} file, and which cache it can make.
 */
record JavaRuntime(Path home, String version, int feature, String release) {

    /** The JDK of {@code launcher} (symbolic links followed: /usr/bin/java → /usr/lib/jvm/…/bin/java). */
    static Optional<JavaRuntime> of(Path launcher) {
        try {
            Path home = launcher.toRealPath().getParent().getParent();
            String release = Files.readString(home.resolve("release"));
            String version = value(release, "JAVA_VERSION");
            if (version == null) {
                return Optional.empty();
            }
            String first = version.split("[.+-]")[0];
            int feature = Integer.parseInt(first.equals("1") ? version.split("\\.")[1] : first);
            return Optional.of(new JavaRuntime(home, version, feature, release));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The files that change when this JDK is replaced in place (an upgrade keeps its path). */
    Path[] identityFiles() {
        return new Path[] {home.resolve("lib/modules"), home.resolve("lib/server/libjvm.so")};
    }

    private static String value(String release, String name) {
        for (String line : release.split("\n")) {
            if (line.startsWith(name + "=")) {
                return line.substring(name.length() + 1).replace("\"", "").trim();
            }
        }
        return null;
    }
}
