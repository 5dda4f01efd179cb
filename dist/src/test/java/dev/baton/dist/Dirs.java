package dev.baton.dist;

import java.nio.file.Path;

/** The paths the build hands the tests (failsafe's system properties in dist/pom.xml). */
final class Dirs {
    private Dirs() {
    }

    static Path root() {
        return Path.of(System.getProperty("baton.root", "..")).toAbsolutePath().normalize();
    }

    /** dist/target: the release archive, the .deb. */
    static Path dist() {
        return Path.of(System.getProperty("baton.dist", "target")).toAbsolutePath().normalize();
    }

    static String version() {
        return System.getProperty("baton.version");
    }

    static Path sampleJar() {
        return Path.of(System.getProperty("baton.sample.jar")).toAbsolutePath();
    }
}
