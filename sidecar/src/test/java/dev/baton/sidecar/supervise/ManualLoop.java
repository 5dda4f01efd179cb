package dev.baton.sidecar.supervise;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.PriorityQueue;
import java.util.concurrent.RejectedExecutionException;

/**
 * An {@link EventLoop} whose clock moves only when the test says so: tasks run in the calling (test)
 * thread, in order, and {@link #advance} runs each timer at its due time. A reload that takes
 * seconds of timers runs in microseconds, and the same way every time.
 */
final class ManualLoop implements EventLoop {
    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

    private final Deque<Runnable> queued = new ArrayDeque<>();
    private final PriorityQueue<Scheduled> timers = new PriorityQueue<>();
    private long nanos = 1_000_000_000L;
    private long sequence;
    private boolean shutdown;

    private final class Scheduled implements Comparable<Scheduled>, Timer {
        final long due;
        final long order = sequence++;
        final Runnable task;

        Scheduled(long due, Runnable task) {
            this.due = due;
            this.task = task;
        }

        @Override
        public int compareTo(Scheduled o) {
            return due != o.due ? Long.compare(due, o.due) : Long.compare(order, o.order);
        }

        @Override
        public void cancel() {
            timers.remove(this);
        }
    }

    @Override
    public void execute(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        queued.add(task);
    }

    @Override
    public Timer schedule(Duration delay, Runnable task) {
        Scheduled s = new Scheduled(nanos + delay.toNanos(), task);
        timers.add(s);
        return s;
    }

    @Override
    public long nanoTime() {
        return nanos;
    }

    @Override
    public Instant now() {
        return EPOCH.plusNanos(nanos);
    }

    @Override
    public void shutdown() {
        shutdown = true;
        queued.clear();
        timers.clear();
    }

    /** Runs what is queued and every timer due by now, including what they queue in turn. */
    void runPending() {
        while (true) {
            Runnable next = queued.poll();
            if (next != null) {
                next.run();
                continue;
            }
            Scheduled timer = timers.peek();
            if (timer == null || timer.due > nanos) {
                return;
            }
            timers.poll();
            timer.task.run();
        }
    }

    /** Moves the clock forward by {@code d}, running each timer at its own due time, in order. */
    void advance(Duration d) {
        long end = nanos + d.toNanos();
        runPending();
        while (!timers.isEmpty() && timers.peek().due <= end) {
            nanos = Math.max(nanos, timers.peek().due);
            runPending();
        }
        nanos = end;
        runPending();
    }

    /** Time since the loop was made, for assertions on when something happened. */
    Duration elapsed() {
        return Duration.ofNanos(nanos - 1_000_000_000L);
    }
}
