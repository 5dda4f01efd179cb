package dev.baton.sidecar.supervise;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The supervisor's one thread and its clock. Every event (a signal, a child's exit, an sd_notify
 * message, a control request) and every timer runs here as a task, one at a time, so the
 * supervisor's state needs no lock. {@link #onThread(String)} is the real one; the in-process
 * supervisor tests drive a manual clock instead, so a reload that takes seconds runs in
 * milliseconds there.
 */
public interface EventLoop {

    /** Runs {@code task} on the loop, after the tasks already queued. */
    void execute(Runnable task) throws RejectedExecutionException;

    /** Runs {@code task} on the loop once {@code delay} has passed, unless cancelled first. */
    Timer schedule(Duration delay, Runnable task);

    /** Monotonic time, for durations. */
    long nanoTime();

    /** Wall-clock time, for what is shown to people. */
    Instant now();

    /** Runs nothing more; later {@link #execute} calls are rejected. */
    void shutdown();

    /** A scheduled task that has not run yet can be cancelled. */
    interface Timer {
        void cancel();
    }

    /** A daemon thread named {@code name} with a scheduled executor's timers, and the system clocks. */
    static EventLoop onThread(String name) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        return new EventLoop() {
            @Override
            public void execute(Runnable task) {
                executor.execute(task);
            }

            @Override
            public Timer schedule(Duration delay, Runnable task) {
                var future = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
                return () -> future.cancel(false);
            }

            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public Instant now() {
                return Instant.now();
            }

            @Override
            public void shutdown() {
                executor.shutdown();
            }
        };
    }
}
