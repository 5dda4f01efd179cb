package dev.baton.sidecar.supervise;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import dev.baton.sidecar.Log;

/**
 * start_server's {@code --enable-auto-restart}: a reload every {@code --auto-restart-interval} seconds,
 * counted from when the last generation became ready (start_server's {@code $last_restart_time}); not
 * while older workers still run, unless twice the interval has passed. The envdir may switch it on or
 * off at any time, so it is read again at every check. Loop thread only.
 */
final class AutoRestart {
    /**
     * The check runs once a second counted from when the last generation became ready, as start_server's loop
     * does (its {@code alarm(1)} starts over when a new worker is up), so the restart comes
     * {@code --auto-restart-interval} after ready, not up to a second later.
     */
    static final Duration TICK = Duration.ofSeconds(1);

    private final EventLoop loop;
    private final WorkerEnvironment environment;
    private final WorkerTable workers;
    /** True while a generation is starting (or waits to be retried): no auto-restart then. */
    private final BooleanSupplier generationStarting;
    /** Requests the reload, as a HUP does. */
    private final Runnable reload;
    private long lastReadyNanos;
    private EventLoop.Timer check;

    AutoRestart(EventLoop loop, WorkerEnvironment environment, WorkerTable workers, BooleanSupplier generationStarting, Runnable reload) {
        this.loop = loop;
        this.environment = environment;
        this.workers = workers;
        this.generationStarting = generationStarting;
        this.reload = reload;
        this.lastReadyNanos = loop.nanoTime();
    }

    /** The supervisor has started: the first check is due in a second. */
    void begin() {
        check = loop.schedule(TICK, this::tick);
    }

    /** A generation became ready at {@code nanos}: the interval counts from here, and so does the once-a-second check. */
    void ready(long nanos) {
        lastReadyNanos = nanos;
        if (check != null) {
            check.cancel();
        }
        check = loop.schedule(TICK, this::tick);
    }

    /** The supervisor shuts down: no more checks. */
    void stop() {
        if (check != null) {
            check.cancel();
            check = null;
        }
    }

    private void tick() {
        check = loop.schedule(TICK, this::tick);
        Worker serving = workers.serving();
        if (serving == null || generationStarting.getAsBoolean()) {
            return;
        }
        environment.refresh(); // start_server re-reads the envdir on every turn of its loop: it may switch this on
        if (!environment.autoRestart()) {
            return;
        }
        long interval = environment.autoRestartInterval();
        long elapsed = (loop.nanoTime() - lastReadyNanos) / 1_000_000_000L;
        boolean oldRunning = !workers.olderThan(serving.generation).isEmpty();
        if (elapsed >= interval && !oldRunning) {
            Log.info("autorestart triggered (interval=" + interval + ")");
            reload.run();
        } else if (elapsed >= interval * 2) {
            Log.info("autorestart triggered (forced, interval=" + interval + ")");
            reload.run();
        }
    }
}
