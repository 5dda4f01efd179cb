package dev.baton.sidecar.supervise;

import java.time.Duration;

import dev.baton.sidecar.Log;
import dev.baton.sidecar.posix.Posix;
import dev.baton.sidecar.posix.Signals;

/**
 * The signals that tell a worker to stop (--signal-on-hup to an old generation, --signal-on-term on shutdown,
 * TERM to one not ready in time), and the SIGKILL that follows when a deadline (--drain-timeout, or the
 * not-ready grace) runs out first. Loop thread only.
 */
final class StopSignals {
    private final EventLoop loop;
    private final WorkerProcesses processes;
    private final WorkerTable workers;

    StopSignals(EventLoop loop, WorkerProcesses processes, WorkerTable workers) {
        this.loop = loop;
        this.processes = processes;
        this.workers = workers;
    }

    /** Sends {@code signal}; when {@code killAfter} is set, SIGKILL follows if the worker is still alive then. */
    void send(Worker w, int signal, Duration killAfter) {
        int errno = processes.signal(w.pid, signal);
        if (errno != 0 && errno != Posix.ESRCH) {
            Log.worker(w.generation, w.pid).warn("cannot send " + Signals.name(signal) + " to worker " + w.pid + ": " + Posix.describe(errno));
        }
        if (killAfter == null) {
            return;
        }
        // The first signal starts the clock. Each new generation signals every old worker again (as
        // start_server does); restarting the clock then would let a worker that ignores the signal outlive
        // every deadline while HUPs come faster than --drain-timeout. Only a shorter deadline replaces it.
        long killAt = loop.nanoTime() + killAfter.toNanos();
        if (w.kill != null && w.killAtNanos <= killAt) {
            return;
        }
        w.cancelKill();
        w.killAtNanos = killAt;
        w.kill = loop.schedule(killAfter, () -> {
            w.kill = null;
            if (workers.get(w.pid) == w) {
                Log.worker(w.generation, w.pid).warn("worker " + w.pid + " (generation " + w.generation + ") still running "
                        + Supervisor.human(killAfter) + " after " + Signals.name(signal) + "; sending KILL (--drain-timeout)");
                processes.signal(w.pid, Signals.SIGKILL);
            }
        });
    }
}
