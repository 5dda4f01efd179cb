package dev.baton.sidecar.supervise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

import org.junit.jupiter.api.Test;

import dev.baton.sidecar.notify.SystemdReporter;
import dev.baton.sidecar.posix.Signals;

/**
 * {@link Shutdown} alone: what it asks of the supervisor, in which order, and when it exits. (The whole
 * supervisor shutting down real workers is {@link ShutdownTest}.)
 */
class ShutdownSequenceTest {
    private static final int USR1 = Signals.number("USR1");

    private final ManualLoop loop = new ManualLoop();
    private final WorkerTable workers = new WorkerTable();
    private final List<String> systemd = new ArrayList<>();
    private final List<String> steps = new ArrayList<>();
    private final CompletableFuture<Void> started = new CompletableFuture<>();

    private Shutdown shutdown(int signalOnTerm, Duration drainTimeout) {
        return new Shutdown(signalOnTerm, drainTimeout, new SystemdReporter(systemd::add), workers, started, new Shutdown.Steps() {
            @Override
            public void stopStarting() {
                steps.add("stop starting");
            }

            @Override
            public void abandonReloads(String why) {
                steps.add("abandon: " + why);
            }

            @Override
            public void stop(Worker w, int signal, Duration killAfter) {
                steps.add(Signals.name(signal) + " " + w.pid + (killAfter == null ? "" : ", KILL after " + killAfter.toSeconds() + " s")
                        + " (" + w.state + ")");
            }

            @Override
            public void close() {
                steps.add("close");
            }
        }, loop);
    }

    private Worker worker(int generation) {
        Worker w = new Worker(generation, 100 + generation, null, false, null, loop.nanoTime(), loop.now());
        workers.add(w);
        return w;
    }

    @Test
    void termSendsSignalOnTermToEveryWorkerFailsTheReloadsAndExits0WhenTheLastIsGone() throws Exception {
        Shutdown s = shutdown(USR1, Duration.ofSeconds(20));
        workers.serve(worker(1));
        worker(2);
        s.signalled(Signals.SIGTERM);
        assertThat(s.underway()).isTrue();
        assertThat(systemd).containsExactly("STOPPING=1\nSTATUS=stopping");
        assertThat(steps).containsExactly("stop starting", "abandon: the supervisor is shutting down",
                "USR1 101, KILL after 20 s (DRAINING)", "USR1 102, KILL after 20 s (DRAINING)");

        workers.remove(101);
        s.workerGone();
        assertThat(s.exited()).isFalse();
        workers.remove(102);
        s.workerGone();
        assertThat(s.exited()).isTrue();
        assertThat(s.await()).isZero();
        assertThat(steps).last().isEqualTo("close");
        assertThat(started).isCompletedExceptionally(); // no worker ever served
        assertThatThrownBy(() -> loop.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void intSendsTermAndASecondSignalOnlySaysWhatItWaitsFor() {
        Shutdown s = shutdown(USR1, null);
        worker(1);
        s.signalled(Signals.SIGINT);
        s.signalled(Signals.SIGTERM);
        assertThat(steps).containsExactly("stop starting", "abandon: the supervisor is shutting down", "TERM 101 (DRAINING)");
        assertThat(systemd).hasSize(1);
        assertThat(s.exited()).isFalse();
    }

    @Test
    void withNoWorkerLeftItExitsAtOnce() {
        Shutdown s = shutdown(Signals.SIGTERM, null);
        started.complete(null);
        s.signalled(Signals.SIGTERM);
        assertThat(s.exited()).isTrue();
        assertThat(s.exitCode()).isZero();
        s.workerGone(); // a late reap: it closes once
        assertThat(steps).filteredOn("close"::equals).hasSize(1);
    }

    @Test
    void aFatalFailureStopsTheWorkersAndExitsWithItsCodeOnceTheyAreGone() {
        Shutdown s = shutdown(USR1, null);
        worker(1);
        s.fatal(1);
        assertThat(steps).containsExactly("stop starting", "TERM 101, KILL after 10 s (STARTING)");
        assertThat(started).isCompletedExceptionally();
        assertThatThrownBy(started::join).hasMessageContaining("the worker failed to start");
        assertThat(s.exited()).isFalse();
        workers.remove(101);
        s.workerGone();
        assertThat(s.exited()).isTrue();
        assertThat(s.exitCode()).isEqualTo(1);
    }
}
