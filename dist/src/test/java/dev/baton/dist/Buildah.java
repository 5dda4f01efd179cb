package dev.baton.dist;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.testkit.process.Commands;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Images without a Docker engine: buildah with chroot isolation (no container runtime, so none of
 * podman's rlimit trouble). A chroot run shares the host's network and pid namespaces: the image's
 * ports are on 127.0.0.1, its pids are host pids. See FACTS.md, "Containers, cgroups".
 */
final class Buildah {
    static final Duration SLOW = Duration.ofMinutes(15);

    private Buildah() {
    }

    /** Skips the calling test, with the reason, where images cannot be built here. */
    static void assumeAvailable() {
        assumeTrue(Commands.onPath("buildah") != null, "buildah is missing (apt-get install buildah; .ci/run installs it): image tests skipped");
        assumeTrue(Commands.onPath("debootstrap") != null, "debootstrap is missing (apt-get install debootstrap): image tests skipped");
        assumeTrue(root(), "buildah's chroot isolation and debootstrap need root: image tests skipped");
    }

    private static boolean root() {
        try {
            return "0".equals(Commands.run(Duration.ofSeconds(10), "id", "-u").output().strip());
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** The cached Debian bookworm + JRE 17 base (docker/debian-base makes it once), as an OCI archive. */
    static Path debianBase() throws IOException, InterruptedException {
        return Path.of(Commands.run(SLOW, Dirs.root().resolve("docker/debian-base").toString()).ok().output().strip()
                .lines().reduce((a, b) -> b).orElseThrow());
    }

    /** A working container from {@code image} (an image name, or oci-archive:FILE). */
    static String from(String image) throws IOException, InterruptedException {
        String out = Commands.run(SLOW, "buildah", "from", "-q", image).ok().output().strip();
        return out.lines().reduce((a, b) -> b).orElseThrow();
    }

    static Commands.Result run(String container, String... command) throws IOException, InterruptedException {
        return Commands.run(SLOW, Map.of(), runCommand(container, List.of(), List.of(command)));
    }

    /** {@code buildah run} argv: {@code options} are buildah run's own (-v, -e, --user …). */
    static List<String> runCommand(String container, List<String> options, List<String> command) {
        List<String> argv = new ArrayList<>(List.of("buildah", "run", "--isolation", "chroot"));
        argv.addAll(options);
        argv.add(container);
        argv.add("--");
        argv.addAll(command);
        return argv;
    }

    static void copy(String container, Path source, String destination) throws IOException, InterruptedException {
        Commands.run(SLOW, "buildah", "copy", "-q", container, source.toString(), destination).ok();
    }

    /** Where the container's root is on the host (for its pid file, say). */
    static Path mount(String container) throws IOException, InterruptedException {
        return Path.of(Commands.run(SLOW, "buildah", "mount", container).ok().output().strip());
    }

    static void remove(String container) throws IOException, InterruptedException {
        if (container != null) {
            Commands.run(SLOW, "buildah", "rm", container);
        }
    }
}
