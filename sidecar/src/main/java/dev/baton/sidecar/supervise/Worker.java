package dev.baton.sidecar.supervise;

import java.time.Instant;

import dev.baton.sidecar.jvmcache.JvmCache;

/** One spawned worker process. Mutable, and touched only on the supervisor's loop thread. */
final class Worker {
    final int generation;
    final int pid;
    final long spawnedNanos;
    final Instant spawnedAt;
    /** The reload that started this worker (the first start and crash restarts are reloads too). */
    final Reload reload;
    /** In {@code --readiness auto}: the worker runs Baton's agent, so only its READY=1 makes it ready. */
    final boolean runsBatonAgent;
    /** How it was started (with the JVM cache's options, or not), and what the cache hears about it. */
    final JvmCache.Launch launch;

    WorkerState state = WorkerState.STARTING;
    boolean spokeNotify;
    String lastStatus;
    long readyNanos;
    /** SIGKILL once a stop signal's --drain-timeout (or the not-ready grace) runs out, and when. */
    EventLoop.Timer kill;
    long killAtNanos;

    Worker(int generation, int pid, Reload reload, boolean runsBatonAgent, JvmCache.Launch launch, long spawnedNanos,
           Instant spawnedAt) {
        this.generation = generation;
        this.pid = pid;
        this.reload = reload;
        this.runsBatonAgent = runsBatonAgent;
        this.launch = launch;
        this.spawnedNanos = spawnedNanos;
        this.spawnedAt = spawnedAt;
    }

    void cancelKill() {
        if (kill != null) {
            kill.cancel();
            kill = null;
        }
    }
}
