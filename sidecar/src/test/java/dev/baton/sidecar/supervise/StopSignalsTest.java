package dev.baton.sidecar.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.baton.sidecar.notify.NotifyMessage;
import dev.baton.sidecar.posix.Signals;
import dev.baton.sidecar.spawn.ExitStatus;

/** {@link StopSignals} alone, with fake workers on a manual clock: when SIGKILL follows a stop signal. */
class StopSignalsTest {
    private final ManualLoop loop = new ManualLoop();
    private final FakeWorkerProcesses processes = new FakeWorkerProcesses(loop);
    private final WorkerTable workers = new WorkerTable();
    private final StopSignals stops = new StopSignals(loop, processes, workers);

    private Worker worker() throws Exception {
        processes.start(new WorkerProcesses.Events() {
            @Override
            public void exited(int pid, ExitStatus status) {
                workers.remove(pid);
            }

            @Override
            public void notified(int pid, NotifyMessage message) {
            }
        });
        int pid = processes.spawn(1, List.of("worker"), Map.of());
        processes.ignoreTerm(pid);
        Worker w = new Worker(1, pid, null, false, null, loop.nanoTime(), loop.now());
        workers.add(w);
        return w;
    }

    @Test
    void killFollowsTheFirstSignalsDeadlineAndALaterSignalDoesNotPostponeIt() throws Exception {
        Worker w = worker();
        stops.send(w, Signals.SIGTERM, Duration.ofSeconds(2));
        loop.advance(Duration.ofMillis(1500));
        stops.send(w, Signals.SIGTERM, Duration.ofSeconds(2));
        loop.advance(Duration.ofMillis(499));
        assertThat(processes.signalsTo(w.pid)).containsExactly("TERM", "TERM");
        loop.advance(Duration.ofMillis(1));
        assertThat(processes.signalsTo(w.pid)).containsExactly("TERM", "TERM", "KILL");
        assertThat(processes.isAlive(w.pid)).isFalse();
    }

    @Test
    void aShorterDeadlineReplacesALongerOneAndNoneMeansNoKill() throws Exception {
        Worker w = worker();
        stops.send(w, Signals.SIGTERM, null);
        loop.advance(Duration.ofHours(1));
        assertThat(processes.signalsTo(w.pid)).containsExactly("TERM");
        stops.send(w, Signals.SIGTERM, Duration.ofSeconds(30));
        stops.send(w, Signals.SIGTERM, Duration.ofSeconds(10));
        loop.advance(Duration.ofSeconds(10));
        assertThat(processes.signalsTo(w.pid)).containsExactly("TERM", "TERM", "TERM", "KILL");
    }

    @Test
    void aWorkerReapedBeforeItsDeadlineIsNotKilled() throws Exception {
        Worker w = worker();
        stops.send(w, Signals.SIGTERM, Duration.ofSeconds(1));
        workers.remove(w.pid);
        loop.advance(Duration.ofSeconds(1));
        assertThat(processes.signalsTo(w.pid)).containsExactly("TERM");
    }
}
