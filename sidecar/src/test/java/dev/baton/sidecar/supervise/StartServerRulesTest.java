package dev.baton.sidecar.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.sidecar.posix.Signals;
import dev.baton.sidecar.testing.TestFiles;

/**
 * Under {@code --compat=start_server} ({@code bin/start_server}) a generation that fails to start is
 * spawned again every --interval until one survives, as Perl's Server::Starter 0.35 does: in process,
 * with exact timing. {@code StartServerDifferentialIT} runs the same scenarios against Perl's own
 * start_server.
 */
class StartServerRulesTest {
    private static final String COMPAT = "--compat=start_server";

    @TempDir
    Path tmp;

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    @Test
    void aFirstWorkerThatDiesIsSpawnedAgainEveryIntervalUntilOneSurvives() {
        Path status = tmp.resolve("status");
        try (var s = new InProcessSupervisor(COMPAT, "--status-file", status.toString()).begin()) {
            for (int generation = 1; generation <= 5; generation++) {
                s.advance(ms(100));
                s.exit(generation, 1); // dies 0.1 s after its spawn
                s.advance(ms(899));
                assertThat(s.workers.spawned()).hasSize(generation);
                s.advance(ms(1)); // the next one, --interval after this one's spawn
                assertThat(s.workers.spawned()).hasSize(generation + 1);
                assertThat(s.workers.generation(generation + 1).atNanos() - s.workers.generation(generation).atNanos())
                        .isEqualTo(Duration.ofSeconds(1).toNanos());
            }
            assertThat(s.supervisor.hasExited()).isFalse();
            assertThat(TestFiles.readOrAbsent(status)).isEqualTo("<absent>");
            s.advance(Duration.ofSeconds(1)); // generation 6 survives its interval
            assertThat(s.workersIn("serving")).containsOnlyKeys(6);
            assertThat(TestFiles.readOrAbsent(status)).isEqualTo("6:" + s.pid(6) + "\n");
            assertThat(s.countLog("seems to have failed to start, exit status:256")).isEqualTo(5);
        }
    }

    @Test
    void aSpawnThatFailsIsTriedAgainEveryIntervalToo() {
        try (var s = new InProcessSupervisor(COMPAT).begin()) {
            s.advance(Duration.ofSeconds(1));
            s.workers.failSpawnsWith("cannot execute worker command 'worker': No such file or directory");
            s.exitBySignal(1, Signals.SIGKILL); // the serving worker dies: restarted at once, which fails
            s.advance(ms(2500));
            assertThat(s.supervisor.hasExited()).isFalse();
            assertThat(s.countLog("baton: error: cannot execute worker command")).isEqualTo(3); // at 0, 1 and 2 s
        }
    }

    @Test
    void aReloadWhoseWorkerDiesIsSpawnedAgainEveryIntervalWhileTheOldOneServes() {
        Path status = tmp.resolve("status");
        try (var s = new InProcessSupervisor(COMPAT, "--status-file", status.toString()).begin()) {
            s.advance(Duration.ofSeconds(1));
            int first = s.pid(1);
            s.hup();
            for (int generation = 2; generation <= 4; generation++) {
                s.exit(generation, 7);
                assertThat(s.reload(1).state()).isEqualTo("retrying");
                assertThat(s.reload(1).message()).endsWith("attempt " + (generation - 1) + " failed, retrying in 1 s;"
                        + " generation 1 keeps serving");
                assertThat(TestFiles.readOrAbsent(status)).isEqualTo("1:" + first + "\n");
                assertThat(s.workers.signalsTo(first)).isEmpty();
                s.advance(Duration.ofSeconds(1));
            }
            assertThat(s.log()).anyMatch(l -> l.endsWith("retrying in 1 s (start_server: every --interval until one starts)"));
            s.advance(Duration.ofSeconds(1)); // generation 5 survives
            assertThat(s.reload(1).state()).isEqualTo("succeeded");
            assertThat(s.reload(1).attempts()).isEqualTo(4);
            assertThat(s.workers.signalsTo(first)).containsExactly("TERM");
            assertThat(TestFiles.readOrAbsent(status)).isEqualTo("5:" + s.pid(5) + "\n");
        }
    }

    @Test
    void aHupWhileAFailedReloadWaitsQueuesOneMoreReloadAfterItAsPerlDoes() {
        try (var s = new InProcessSupervisor(COMPAT).begin()) {
            s.advance(Duration.ofSeconds(1));
            s.hup();
            s.exit(2, 7);
            ReloadView again = s.requestReload();
            assertThat(again.id()).isEqualTo(2);
            assertThat(again.state()).isEqualTo("queued");
            assertThat(s.workers.spawned()).hasSize(2); // no retry before the interval
            s.advance(Duration.ofSeconds(1));
            s.advance(Duration.ofSeconds(1)); // generation 3 serves; then the queued reload starts generation 4
            assertThat(s.reload(1).state()).isEqualTo("succeeded");
            assertThat(s.reload(2).state()).isEqualTo("starting");
            assertThat(s.reload(2).generation()).isEqualTo(4);
        }
    }

    @Test
    void aServingWorkerThatKeepsCrashingIsRestartedAtOnceEveryTime() {
        try (var s = new InProcessSupervisor(COMPAT).begin()) {
            s.advance(Duration.ofSeconds(1));
            for (int generation = 1; generation <= 5; generation++) {
                s.exitBySignal(generation, Signals.SIGKILL);
                assertThat(s.workers.spawned()).hasSize(generation + 1);
                s.advance(Duration.ofSeconds(1));
                assertThat(s.workersIn("serving")).containsOnlyKeys(generation + 1);
            }
            assertThat(s.log()).noneMatch(l -> l.contains("crash loop"));
        }
    }
}
