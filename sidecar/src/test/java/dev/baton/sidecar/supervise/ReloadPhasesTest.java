package dev.baton.sidecar.supervise;

import static dev.baton.sidecar.supervise.InProcessSupervisor.PORT;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.sidecar.posix.Signals;
import dev.baton.sidecar.testing.TestFiles;

/**
 * The reload logic in process, phase by phase: the supervisor with a manual clock and fake worker
 * processes ({@link InProcessSupervisor}). The same decisions the real-process tests see, each case
 * in milliseconds, with the timing exact (when a retry starts, when KILL follows).
 */
class ReloadPhasesTest {
    private static final Duration INTERVAL = Duration.ofSeconds(1);

    @TempDir
    Path tmp;

    private static Duration secs(double s) {
        return Duration.ofMillis((long) (s * 1000));
    }

    // ---------------------------------------------------------------- the successful reload

    @Test
    void aReloadGoesStartSpawnedReadyRetireOldOldGoneSucceeded() {
        Path status = tmp.resolve("status");
        try (var s = new InProcessSupervisor("--status-file", status.toString()).serving()) {
            int first = s.pid(1);
            assertThat(s.supervisor.started()).isCompleted();
            assertThat(TestFiles.readOrAbsent(status)).isEqualTo("1:" + first + "\n");
            assertThat(s.systemd).containsExactly("READY=1\nMAINPID=" + ProcessHandle.current().pid() + "\nSTATUS=generation 1 serving");
            s.workers.ignoreTerm(first);

            // start → spawned: generation 2 runs with its own number; it is not listed before it is ready
            s.hup();
            assertThat(s.workers.generation(2).env()).containsEntry("SERVER_STARTER_GENERATION", "2")
                    .containsEntry("SERVER_STARTER_PORT", PORT);
            assertThat(s.reload(1).state()).isEqualTo("starting");
            assertThat(s.reload(1).trigger()).isEqualTo("signal");
            assertThat(TestFiles.readOrAbsent(status)).isEqualTo("1:" + first + "\n");
            assertThat(s.systemd).last().asString().startsWith("RELOADING=1\nMONOTONIC_USEC=")
                    .endsWith("\nSTATUS=reloading: starting generation 2");

            // ready → retire old: both listed, the old one told
            s.advance(secs(0.3));
            s.ready(2);
            int second = s.pid(2);
            assertThat(s.reload(1).state()).isEqualTo("draining");
            assertThat(s.reload(1).readyMillis()).isEqualTo(300);
            assertThat(TestFiles.readOrAbsent(status)).isEqualTo("1:" + first + "\n2:" + second + "\n");
            assertThat(s.workers.signalsTo(first)).containsExactly("TERM");
            assertThat(s.log()).contains("new worker " + second + " (generation 2) is ready (READY=1 after 300 ms)",
                    "new worker is now running, sending TERM to old workers:" + first, "killing old workers");
            assertThat(s.systemd).last().isEqualTo("READY=1\nSTATUS=generation 2 serving");

            // old gone → succeeded
            s.advance(secs(0.2));
            s.exit(1, 0);
            assertThat(s.log()).contains("old worker " + first + " died, status:0 = exit code 0");
            assertThat(s.reload(1).state()).isEqualTo("succeeded");
            assertThat(s.reload(1).message()).isEqualTo("generation 2 serving");
            assertThat(s.reload(1).doneMillis()).isEqualTo(500);
            assertThat(TestFiles.readOrAbsent(status)).isEqualTo("2:" + second + "\n");
            assertThat(s.snapshot().reloadsByResult()).containsEntry("succeeded", 1L).containsEntry("failed", 0L);
            assertThat(s.snapshot().reloadDuration().count()).isEqualTo(1);
            assertThat(s.workers.signalsTo(second)).isEmpty();
        }
    }

    @Test
    void aSilentWorkerIsReadyAfterTheIntervalAndOneThatSpeaksOnlyAtReady1() {
        try (var s = new InProcessSupervisor().begin()) {
            s.advance(INTERVAL.minusMillis(1));
            assertThat(s.workersIn("serving")).isEmpty();
            s.advance(Duration.ofMillis(1));
            assertThat(s.workersIn("serving")).containsOnlyKeys(1);
            assertThat(s.log()).contains("new worker " + s.pid(1) + " (generation 1) is ready (alive after --interval after 1000 ms)");

            s.hup();
            s.workers.say(s.pid(2), "STATUS=warming up"); // spoke sd_notify: the interval rule no longer applies
            s.advance(INTERVAL.multipliedBy(5));
            assertThat(s.workersIn("starting")).containsOnlyKeys(2);
            assertThat(s.snapshot().workers()).filteredOn(w -> w.generation() == 2).singleElement()
                    .extracting(WorkerView::status).isEqualTo("warming up");
            s.ready(2);
            assertThat(s.workersIn("serving")).containsOnlyKeys(2);
        }
    }

    @Test
    void aWorkerThatRunsTheBatonAgentIsReadyOnlyAtItsReady1() {
        var env = Map.of("JAVA_TOOL_OPTIONS", "-Xss1m -javaagent:/opt/baton/baton-agent.jar");
        try (var s = new InProcessSupervisor(env).begin()) {
            s.advance(INTERVAL.multipliedBy(10));
            assertThat(s.workersIn("serving")).isEmpty();
            assertThat(s.log()).anyMatch(l -> l.startsWith("the worker runs the Baton agent") && l.contains("not after --interval"));
            s.ready(1);
            assertThat(s.workersIn("serving")).containsOnlyKeys(1);
        }
    }

    @Test
    void killOldDelayHoldsTheOldGenerationsSignal() {
        try (var s = new InProcessSupervisor("--kill-old-delay", "2").serving()) {
            s.hup();
            s.ready(2);
            assertThat(s.log()).contains("sleeping 2 secs before killing old workers");
            s.advance(secs(1.999));
            assertThat(s.workers.signalsTo(s.pid(1))).isEmpty();
            assertThat(s.reload(1).state()).isEqualTo("draining");
            s.advance(secs(0.001));
            assertThat(s.workers.signalsTo(s.pid(1))).containsExactly("TERM");
            assertThat(s.reload(1).state()).isEqualTo("succeeded");
        }
    }

    // ---------------------------------------------------------------- warm-up (the agent's X_BATON_WARM_UP_MS and X_BATON_WARM)

    private static final String READY_WARMING_UP = "READY=1\nX_BATON_WARM_UP_MS=2000\nX_BATON_WARM_UP_REQUESTS=100\n"
            + "STATUS=accepting; warming up";

    @Test
    void aGenerationWarmingUpKeepsTheOldOneServingUntilItSaysItIsWarm() {
        try (var s = new InProcessSupervisor().serving()) {
            s.hup();
            s.advance(secs(0.3));
            s.say(2, READY_WARMING_UP);
            assertThat(s.workersIn("serving")).containsOnlyKeys(2);
            assertThat(s.reload(1).state()).isEqualTo("draining");
            assertThat(s.reload(1).message()).isEqualTo("generation 2 warms up; the older generations serve beside it until it"
                    + " has answered 100 requests, at most 2 s");
            s.advance(secs(1.5));
            assertThat(s.workers.signalsTo(s.pid(1))).isEmpty();

            s.say(2, "X_BATON_WARM=1\nSTATUS=warm: answered 100 requests in 1500 ms");
            assertThat(s.workers.signalsTo(s.pid(1))).containsExactly("TERM");
            assertThat(s.log()).contains("generation 2 is warm after 1500 ms (warm: answered 100 requests in 1500 ms)",
                    "killing old workers");
            assertThat(s.reload(1).state()).isEqualTo("succeeded");
            s.advance(secs(1));
            assertThat(s.countLog("warmed up for")).isZero();
        }
    }

    @Test
    void withoutTrafficTheWarmUpTimeReleasesTheOldGeneration() {
        try (var s = new InProcessSupervisor().serving()) {
            s.hup();
            s.say(2, READY_WARMING_UP);
            s.advance(secs(1.999));
            assertThat(s.workers.signalsTo(s.pid(1))).isEmpty();
            s.advance(secs(0.001));
            assertThat(s.workers.signalsTo(s.pid(1))).containsExactly("TERM");
            assertThat(s.log()).contains("generation 2 warmed up for 2 s without answering 100 requests");
            assertThat(s.reload(1).state()).isEqualTo("succeeded");
            s.say(2, "X_BATON_WARM=1"); // late: nothing more to do
            assertThat(s.countLog("is warm after")).isZero();
        }
    }

    @Test
    void aFirstStartOrARestartWaitsForNoWarmUp() {
        try (var s = new InProcessSupervisor().begin()) {
            s.say(1, READY_WARMING_UP);
            assertThat(s.supervisor.started()).isCompleted();
            assertThat(s.countLog("warms up")).isZero();

            s.exit(1, 1); // the serving worker dies: restarted at once, nothing older to keep
            s.say(2, READY_WARMING_UP);
            assertThat(s.workersIn("serving")).containsOnlyKeys(2);
            assertThat(s.countLog("warms up")).isZero();
        }
    }

    @Test
    void theWarmUpAndKillOldDelayBothHoldTheOldGeneration() {
        try (var s = new InProcessSupervisor("--kill-old-delay", "1").serving()) {
            s.hup();
            s.say(2, READY_WARMING_UP);
            s.advance(secs(0.5));
            s.say(2, "X_BATON_WARM=1");
            assertThat(s.workers.signalsTo(s.pid(1))).isEmpty();
            s.advance(secs(0.5));
            assertThat(s.workers.signalsTo(s.pid(1))).containsExactly("TERM");
        }
    }

    @Test
    void aGenerationThatDiesWhileWarmingUpLeavesTheOldOneToTheRestart() {
        try (var s = new InProcessSupervisor().serving()) {
            int first = s.pid(1);
            s.hup();
            s.say(2, READY_WARMING_UP);
            s.exit(2, 1);
            s.say(3, "STATUS=starting"); // the restart's generation, not ready before its READY=1
            s.advance(secs(2)); // generation 2's warm-up time passes: the old generation is not retired for a dead one
            assertThat(s.workers.signalsTo(first)).isEmpty();
            s.ready(3); // the restart's generation takes over
            assertThat(s.workers.signalsTo(first)).containsExactly("TERM");
        }
    }

    @Test
    void aNewerGenerationWarmingUpKeepsTheOneItSupersededServingToo() {
        try (var s = new InProcessSupervisor().serving()) {
            int first = s.pid(1);
            s.hup();
            s.say(2, READY_WARMING_UP);
            s.advance(secs(1));
            s.hup();
            s.say(3, READY_WARMING_UP);
            assertThat(s.workers.signalsTo(first)).isEmpty();
            s.advance(secs(1)); // generation 2's warm-up time is over: generation 1 goes, 2 serves on beside 3
            assertThat(s.workers.signalsTo(first)).containsExactly("TERM");
            assertThat(s.workers.signalsTo(s.pid(2))).isEmpty();
            s.say(3, "X_BATON_WARM=1");
            assertThat(s.workers.signalsTo(s.pid(2))).containsExactly("TERM");
        }
    }

    @Test
    void aWarmUpLongerThanTheReadyTimeoutIsCutToIt() {
        try (var s = new InProcessSupervisor("--ready-timeout", "5s").serving()) {
            s.hup();
            s.say(2, "READY=1\nX_BATON_WARM_UP_MS=600000");
            s.advance(secs(4.999));
            assertThat(s.workers.signalsTo(s.pid(1))).isEmpty();
            s.advance(secs(0.001));
            assertThat(s.workers.signalsTo(s.pid(1))).containsExactly("TERM");
            assertThat(s.log()).contains("generation 2 warmed up for 5 s");
        }
    }

    // ---------------------------------------------------------------- requests while a generation starts or drains

    @Test
    void requestsWhileAGenerationStartsAreCoalescedIntoOneReloadAfterIt() {
        try (var s = new InProcessSupervisor().serving()) {
            s.hup();
            for (int i = 0; i < 4; i++) {
                s.hup();
            }
            ReloadView api = s.requestReload();
            assertThat(api.id()).isEqualTo(2);
            assertThat(api.state()).isEqualTo("queued");
            assertThat(s.countLog("will follow it \\(coalesced\\)")).isEqualTo(1);
            assertThat(s.workers.spawned()).hasSize(2);

            s.ready(2);
            assertThat(s.workers.spawned()).hasSize(3); // the queued reload starts as soon as generation 2 serves
            assertThat(s.reload(2).state()).isEqualTo("starting");
            assertThat(s.reload(2).trigger()).isEqualTo("signal");
            s.ready(3);
            assertThat(s.reload(2).state()).isEqualTo("succeeded");
            assertThat(s.workers.spawned()).hasSize(3);
        }
    }

    @Test
    void aHupWhileOldWorkersDrainStartsAnotherGenerationAndSignalsTheOldOnesAgain() {
        try (var s = new InProcessSupervisor().serving()) {
            int first = s.pid(1);
            s.workers.ignoreTerm(first);
            s.hup();
            s.ready(2);
            s.workers.ignoreTerm(s.pid(2));
            s.hup();
            s.ready(3);
            assertThat(s.workers.signalsTo(first)).containsExactly("TERM", "TERM");
            assertThat(s.workers.signalsTo(s.pid(2))).containsExactly("TERM");
            assertThat(s.log()).contains("new worker is now running, sending TERM to old workers:" + first + "," + s.pid(2));
            // each reload succeeds once the workers older than its generation are gone
            s.exit(2, 0);
            assertThat(s.reload(1).state()).isEqualTo("draining");
            assertThat(s.reload(2).state()).isEqualTo("draining");
            s.exit(1, 0);
            assertThat(s.reload(1).state()).isEqualTo("succeeded");
            assertThat(s.reload(2).state()).isEqualTo("succeeded");
        }
    }

    @Test
    void theDrainTimeoutKillsAndAnotherGenerationsSignalDoesNotPostponeIt() {
        try (var s = new InProcessSupervisor("--drain-timeout", "2s").serving()) {
            int first = s.pid(1);
            s.workers.ignoreTerm(first);
            s.hup();
            s.ready(2);
            s.advance(secs(1.5));
            s.hup(); // signals the first worker again, 1.5 s into its 2 s
            s.ready(3);
            assertThat(s.workers.signalsTo(first)).containsExactly("TERM", "TERM");
            s.advance(secs(0.499));
            assertThat(s.workers.isAlive(first)).isTrue();
            s.advance(secs(0.001));
            assertThat(s.workers.signalsTo(first)).containsExactly("TERM", "TERM", "KILL");
            assertThat(s.log()).contains("baton: warning: worker " + first
                    + " (generation 1) still running 2 s after TERM; sending KILL (--drain-timeout)", "old worker " + first + " died, status:9 = killed by SIGKILL");
            assertThat(s.reload(2).state()).isEqualTo("succeeded");
        }
    }

    // ---------------------------------------------------------------- failed → retry or give up

    @Test
    void aNewGenerationThatExitsBeforeReadyFailsTheReloadAndTheOldKeepsServing() {
        Path status = tmp.resolve("status");
        try (var s = new InProcessSupervisor("--status-file", status.toString()).serving()) {
            s.hup();
            int second = s.pid(2);
            s.exit(2, 7);
            assertThat(s.log()).contains("new worker " + second + " seems to have failed to start, exit status:1792 = exit code 7",
                    "baton: warning: reload 1 failed: generation 2 (pid " + second
                            + ") exited with exit code 7 before it was ready; generation 1 keeps serving");
            ReloadView failed = s.reload(1);
            assertThat(failed.state()).isEqualTo("failed");
            assertThat(failed.attempts()).isEqualTo(1);
            assertThat(s.workers.signalsTo(s.pid(1))).isEmpty();
            assertThat(s.workersIn("serving")).containsOnlyKeys(1);
            assertThat(TestFiles.readOrAbsent(status)).isEqualTo("1:" + s.pid(1) + "\n");
            assertThat(s.systemd).last().isEqualTo("READY=1\nSTATUS=reload failed; generation 1 serving");
            assertThat(s.snapshot().reloadsByResult()).containsEntry("failed", 1L);

            s.hup(); // fixed: the next reload goes through, as generation 3
            s.ready(3);
            assertThat(s.reload(2).state()).isEqualTo("succeeded");
        }
    }

    @Test
    void aGenerationNotReadyInTimeIsStoppedThenKilledAndTheReloadFails() {
        try (var s = new InProcessSupervisor("--readiness", "notify", "--ready-timeout", "2s").serving()) {
            s.hup();
            int second = s.pid(2);
            s.workers.ignoreTerm(second);
            s.advance(secs(2));
            assertThat(s.workers.signalsTo(second)).containsExactly("TERM");
            assertThat(s.log()).contains("new worker " + second + " did not become ready within 2 s (--ready-timeout); stopping it");
            assertThat(s.reload(1).state()).isEqualTo("failed");
            assertThat(s.reload(1).message()).isEqualTo("generation 2 (pid " + second
                    + ") did not become ready within 2 s; generation 1 keeps serving");
            s.ready(2); // too late: a generation given up on never serves
            assertThat(s.workersIn("serving")).containsOnlyKeys(1);
            s.advance(Supervisor.KILL_NOT_READY_AFTER);
            assertThat(s.workers.signalsTo(second)).containsExactly("TERM", "KILL");
            assertThat(s.workers.isAlive(second)).isFalse();
        }
    }

    @Test
    void aFailingReloadIsRetriedWithADoublingDelayThenGivesUp() {
        try (var s = new InProcessSupervisor("--reload-retries", "2", "--reload-retry-delay", "1s").serving()) {
            s.hup();
            s.exit(2, 7);
            ReloadView retrying = s.reload(1);
            assertThat(retrying.state()).isEqualTo("retrying");
            assertThat(retrying.nextAttemptAt()).isEqualTo(s.loop.now().plusSeconds(1));
            assertThat(retrying.message()).endsWith("attempt 1 of 3 failed, retrying in 1 s; generation 1 keeps serving");
            assertThat(s.log()).anyMatch(l -> l.startsWith("baton: warning: reload 1 attempt 1 failed: generation 2 ")
                    && l.endsWith("retrying in 1 s (--reload-retries 2)"));
            assertThat(s.systemd).last().isEqualTo("READY=1\nSTATUS=reload attempt failed, retrying; generation 1 serving");

            s.advance(secs(0.999));
            assertThat(s.workers.spawned()).hasSize(2);
            s.advance(secs(0.001));
            assertThat(s.workers.spawned()).hasSize(3);
            s.exit(3, 7);
            s.advance(secs(1.999));
            assertThat(s.workers.spawned()).hasSize(3);
            s.advance(secs(0.001)); // the second retry waited 2 s
            s.exit(4, 7);
            assertThat(s.reload(1).state()).isEqualTo("failed");
            assertThat(s.reload(1).attempts()).isEqualTo(3);
            assertThat(s.reload(1).message()).endsWith("(attempt 3, no retry left); generation 1 keeps serving");
            assertThat(s.snapshot().reloadRetries()).isEqualTo(2);
            assertThat(s.workersIn("serving")).containsOnlyKeys(1);
        }
    }

    @Test
    void askingAgainWhileAFailedReloadWaitsRetriesItAtOnceAsTheSameReload() {
        try (var s = new InProcessSupervisor("--reload-retries", "3", "--reload-retry-delay", "30s").serving()) {
            s.hup();
            s.exit(2, 7);
            assertThat(s.reload(1).state()).isEqualTo("retrying");
            ReloadView again = s.requestReload();
            assertThat(again.id()).isEqualTo(1);
            assertThat(s.log()).contains("reload 1 was waiting to be retried; retrying it now");
            s.ready(3);
            assertThat(s.reload(1).state()).isEqualTo("succeeded");
            assertThat(s.reload(1).attempts()).isEqualTo(2);
        }
    }

    @Test
    void aSpawnThatFailsFailsTheReloadWithTheReason() {
        try (var s = new InProcessSupervisor().serving()) {
            s.workers.failSpawnsWith("cannot execute worker command 'worker': No such file or directory");
            s.hup();
            assertThat(s.log()).contains("baton: error: cannot execute worker command 'worker': No such file or directory");
            assertThat(s.reload(1).state()).isEqualTo("failed");
            assertThat(s.reload(1).generation()).isEqualTo(2);
            assertThat(s.workersIn("serving")).containsOnlyKeys(1);
        }
    }

    // ---------------------------------------------------------------- the first start and crash restarts

    @Test
    void aFirstStartThatFailsEndsTheSupervisorWithExit1() {
        try (var s = new InProcessSupervisor().begin()) {
            s.exit(1, 3);
            assertThat(s.log()).filteredOn(l -> l.startsWith("baton: error:")).singleElement().asString()
                    .isEqualTo("baton: error: the worker failed to start: generation 1 (pid " + s.pid(1) + ") exited with exit code 3"
                            + " before it was ready. Fix the worker command (its output is above) and start again"
                            + " (--start-retries lets a first start be retried)");
            assertThat(s.supervisor.hasExited()).isTrue();
            assertThat(s.supervisor.exitCode()).isEqualTo(1);
            assertThat(s.supervisor.started()).isCompletedExceptionally();
            assertThat(s.workers.closed).isTrue();
        }
    }

    @Test
    void aFirstWorkerThatMissesTheReadyTimeoutIsStoppedAndTheSupervisorExits1OnceItIsGone() {
        try (var s = new InProcessSupervisor("--readiness", "notify", "--ready-timeout", "1s").begin()) {
            s.advance(secs(1));
            assertThat(s.workers.signalsTo(s.pid(1))).containsExactly("TERM", "TERM"); // the timeout's, then the give-up's
            assertThat(s.supervisor.hasExited()).isTrue();
            assertThat(s.supervisor.exitCode()).isEqualTo(1);
        }
    }

    @Test
    void aFirstStartThatKeepsFailingEndsTheSupervisorWithExit1OnceItsStartRetriesAreSpent() {
        try (var s = new InProcessSupervisor("--start-retries", "1").begin()) {
            s.exit(1, 1);
            assertThat(s.supervisor.hasExited()).isFalse();
            s.exit(2, 1);
            assertThat(s.supervisor.hasExited()).isTrue();
            assertThat(s.supervisor.exitCode()).isEqualTo(1);
            assertThat(s.log()).filteredOn(l -> l.startsWith("baton: error:")).singleElement().asString()
                    .startsWith("baton: error: the worker failed to start: generation 2 ").doesNotContain("--start-retries lets");
        }
    }

    @Test
    void startRetriesRetryAFailingFirstStartWithBackoff() {
        try (var s = new InProcessSupervisor("--start-retries", "3").begin()) {
            s.exit(1, 1);
            assertThat(s.workers.spawned()).hasSize(2); // at once
            s.exit(2, 1);
            assertThat(s.log()).contains("baton: warning: worker crash loop: 2 failures in a row; next start in 1 s");
            s.advance(secs(0.999));
            assertThat(s.workers.spawned()).hasSize(2);
            s.advance(secs(0.001));
            assertThat(s.workers.spawned()).hasSize(3);
            s.advance(INTERVAL);
            assertThat(s.workersIn("serving")).containsOnlyKeys(3);
            assertThat(s.supervisor.started()).isCompleted();
        }
    }

    @Test
    void aCrashedWorkerIsRestartedAtOnceThenWithBackoffUntilOneServesLongEnough() {
        try (var s = new InProcessSupervisor().serving()) {
            s.exitBySignal(1, Signals.SIGKILL);
            assertThat(s.log()).contains("worker " + s.pid(1) + " died unexpectedly with status:9 = killed by SIGKILL, restarting");
            assertThat(s.workers.spawned()).hasSize(2); // at once
            s.ready(2);
            s.exitBySignal(2, Signals.SIGKILL);
            assertThat(s.workers.spawned()).hasSize(2);
            assertThat(s.snapshot().crashLoop()).isFalse();
            s.advance(secs(1));
            assertThat(s.workers.spawned()).hasSize(3);
            s.ready(3);
            s.exitBySignal(3, Signals.SIGKILL);
            assertThat(s.log()).contains("baton: warning: worker crash loop: 3 failures in a row; next start in 2 s");
            assertThat(s.snapshot().crashLoop()).isTrue();
            assertThat(s.snapshot().workerRestarts()).isEqualTo(3);
            s.advance(secs(2));
            s.ready(4);
            s.advance(Duration.ofSeconds(30)); // served 30 s: the next crash starts the count over
            s.exitBySignal(4, Signals.SIGKILL);
            assertThat(s.workers.spawned()).hasSize(5);
        }
    }

    @Test
    void aReloadRequestedDuringACrashLoopsBackoffIsTheGenerationThatStartsThen() {
        try (var s = new InProcessSupervisor().serving()) {
            s.exitBySignal(1, Signals.SIGKILL);
            s.ready(2);
            s.exitBySignal(2, Signals.SIGKILL); // backoff: 1 s
            ReloadView queued = s.requestReload();
            assertThat(queued.state()).isEqualTo("queued");
            s.advance(secs(1));
            assertThat(s.workers.spawned()).hasSize(3);
            assertThat(s.reload(queued.id()).state()).isEqualTo("starting");
            assertThat(s.reload(queued.id()).generation()).isEqualTo(3);
        }
    }

    // ---------------------------------------------------------------- auto-restart and shutdown

    @Test
    void autoRestartReloadsEveryIntervalButNotWhileOldWorkersRunUnlessTwiceTheIntervalPassed() {
        try (var s = new InProcessSupervisor("--enable-auto-restart", "--auto-restart-interval", "10", "--kill-old-delay", "0").serving()) {
            s.advance(secs(9));
            assertThat(s.workers.spawned()).hasSize(1);
            s.advance(secs(1));
            assertThat(s.log()).contains("autorestart triggered (interval=10)");
            assertThat(s.reload(1).trigger()).isEqualTo("auto-restart");
            s.workers.ignoreTerm(s.pid(1));
            s.ready(2);
            s.advance(secs(10)); // generation 1 still drains: no auto-restart yet
            assertThat(s.workers.spawned()).hasSize(2);
            s.advance(secs(10));
            assertThat(s.log()).contains("autorestart triggered (forced, interval=10)");
            assertThat(s.workers.spawned()).hasSize(3);
        }
    }

    @Test
    void autoRestartCountsTheIntervalFromWhenTheLastGenerationBecameReadyAsStartServerDoes() {
        // ready at 1 s; reload at 4 s; generation 2 ready at 5 s, generation 1 told at 6 s (--kill-old-delay);
        // the next reload 3 s after generation 2 became ready: 8 s (counting from the trigger gave 7 s)
        try (var s = new InProcessSupervisor("--enable-auto-restart", "--auto-restart-interval", "3", "--kill-old-delay", "1").begin()) {
            long start = s.workers.generation(1).atNanos();
            s.advance(Duration.ofSeconds(10));
            assertThat(s.workers.spawned()).extracting(w -> Duration.ofNanos(w.atNanos() - start))
                    .containsExactly(Duration.ZERO, Duration.ofSeconds(4), Duration.ofSeconds(8));
            assertThat(s.workers.signalled()).extracting(w -> Duration.ofNanos(w.atNanos() - start)).startsWith(Duration.ofSeconds(6));
            assertThat(s.log()).contains("sleeping 1 secs before killing old workers");
        }
    }

    @Test
    void theReadyTimeoutNeverEndsAGenerationBeforeTheIntervalCouldCallItReady() {
        try (var s = new InProcessSupervisor("--interval", "90", "--ready-timeout", "60s").begin()) {
            s.advance(secs(89.999));
            assertThat(s.workers.signalled()).isEmpty();
            s.advance(secs(0.001));
            assertThat(s.workersIn("serving")).containsOnlyKeys(1);
        }
    }

    @Test
    void termTellsEveryWorkerFailsThePendingReloadsAndExits0OnceAllAreGone() {
        Path status = tmp.resolve("status");
        try (var s = new InProcessSupervisor("--status-file", status.toString(), "--signal-on-term", "USR1").serving()) {
            s.hup();
            s.hup(); // queued
            s.signal(Signals.SIGTERM);
            assertThat(s.log()).contains("received TERM, sending USR1 to all workers:" + s.pid(1) + "," + s.pid(2));
            assertThat(s.systemd).last().isEqualTo("STOPPING=1\nSTATUS=stopping");
            assertThat(s.reload(1).state()).isEqualTo("failed");
            assertThat(s.reload(1).message()).isEqualTo("the supervisor is shutting down");
            assertThat(s.reload(2).state()).isEqualTo("failed");
            assertThat(s.supervisor.hasExited()).isFalse();
            s.exit(1, 0);
            s.exit(2, 0);
            assertThat(s.supervisor.hasExited()).isTrue();
            assertThat(s.supervisor.exitCode()).isZero();
            assertThat(status).doesNotExist();
            assertThat(s.log()).last().isEqualTo("exiting");
        }
    }

    @Test
    void retryDelaysDoubleFromTheGivenDelayUpToThirtySeconds() {
        assertThat(Retries.Baton.retryDelay(Duration.ofSeconds(1), 1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(Retries.Baton.retryDelay(Duration.ofSeconds(1), 2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(Retries.Baton.retryDelay(Duration.ofMillis(500), 4)).isEqualTo(Duration.ofSeconds(4));
        assertThat(Retries.Baton.retryDelay(Duration.ofSeconds(1), 40)).isEqualTo(Duration.ofSeconds(30));
        assertThat(Retries.Baton.retryDelay(Duration.ZERO, 3)).isEqualTo(Duration.ZERO);
    }

    @Test
    void theWorkerTableListsWhatTheStatusFileShows() {
        try (var s = new InProcessSupervisor().serving()) {
            s.hup();
            assertThat(s.snapshot().workers()).extracting(WorkerView::state).containsExactly("serving", "starting");
            assertThat(s.snapshot().generation()).isEqualTo(2);
            assertThat(s.snapshot().ready()).isTrue();
            s.exit(2, 1);
            assertThat(s.workers.reaped()).containsExactly(s.pid(2));
            assertThat(s.snapshot().workers()).extracting(WorkerView::state).containsExactly("serving");
        }
    }
}
