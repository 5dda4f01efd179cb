package dev.baton.sidecar.supervise;

import java.time.Instant;
import java.util.concurrent.ScheduledFuture;

import dev.baton.sidecar.notify.NotifyEndpoint;

/** One spawned worker process. Mutable, and touched only on the supervisor's loop thread. */
final class Worker {
    final int generation;
    final int pid;
    final long spawnedNanos;
    final Instant spawnedAt;
    final NotifyEndpoint notify;
    /** The reload this worker was started for; null for the first worker and crash restarts. */
    final Reload reload;

    WorkerState state = WorkerState.STARTING;
    boolean spokeNotify;
    /** In {@code --readiness auto}: the worker runs Baton's agent, so only its READY=1 makes it ready. */
    boolean runsBatonAgent;
    String lastStatus;
    long readyNanos;
    ScheduledFuture<?> readyCheck;
    ScheduledFuture<?> readyDeadline;
    ScheduledFuture<?> killDeadline;

    Worker(int generation, int pid, NotifyEndpoint notify, Reload reload) {
        this.generation = generation;
        this.pid = pid;
        this.notify = notify;
        this.reload = reload;
        this.spawnedNanos = System.nanoTime();
        this.spawnedAt = Instant.now();
    }

    void cancelTimers() {
        for (ScheduledFuture<?> timer : new ScheduledFuture<?>[] {readyCheck, readyDeadline, killDeadline}) {
            if (timer != null) {
                timer.cancel(false);
            }
        }
    }
}
