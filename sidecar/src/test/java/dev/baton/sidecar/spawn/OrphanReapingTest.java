package dev.baton.sidecar.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.http.Http;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.sample.EchoWorker;
import dev.baton.testkit.signal.Signals;

/**
 * As PID 1 (in a container, here a fresh PID namespace), baton reaps every child the kernel hands
 * it, not only its workers: a worker's orphaned grandchild must not stay a zombie.
 */
class OrphanReapingTest {

    @Test
    void asPid1BatonReapsOrphansItNeverStarted() throws Exception {
        Assumptions.assumeTrue(canUnsharePidNamespace(), "needs root and unshare(1) to run baton as PID 1 of a PID namespace");
        int port = FreePorts.next();
        List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + port, "--", "sh", "-c",
                "(sleep 3 &); exec " + String.join(" ", EchoWorker.command())));
        try (BatonProcess unshare = BatonProcess.start(List.of("unshare", "--pid", "--fork", "--kill-child"), args, null)) {
            unshare.readyPid(1);
            long baton = await().atMost(Duration.ofSeconds(10))
                    .until(() -> ProcessHandle.of(unshare.pid()).stream().flatMap(ProcessHandle::children)
                            .findFirst().map(ProcessHandle::pid).orElse(-1L), pid -> pid > 0);
            // the backgrounded sleep was orphaned when its subshell exited, so it is now baton's child
            await().atMost(Duration.ofSeconds(10)).until(() -> childrenNamed(baton, "sleep").size() == 1);
            // once it exits, baton must reap it: no zombie left behind
            await().atMost(Duration.ofSeconds(10)).until(() -> childrenNamed(baton, "sleep").isEmpty());
            assertThat(Http.get(port, "/").status()).isEqualTo(200);
            // unshare itself ignores TERM while it waits: stop baton directly, as a container runtime would
            Signals.send(baton, "TERM");
            assertThat(unshare.awaitExit()).isZero();
        }
    }

    /** Children of {@code parent} whose command is {@code name}, zombies included. */
    private static List<Long> childrenNamed(long parent, String name) throws IOException {
        List<Long> found = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (comm.equals(name) && Long.parseLong(rest[1]) == parent) {
                    found.add(Long.parseLong(p.getFileName().toString()));
                }
            }
        }
        return found;
    }

    private static boolean canUnsharePidNamespace() {
        try {
            Process p = new ProcessBuilder("unshare", "--pid", "--fork", "true").start();
            return p.waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
