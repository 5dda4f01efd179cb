package dev.baton.sidecar.supervise;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * The reloads the supervisor knows, by where they are: the one starting its generation (or waiting to try
 * again), the one queued after it (every request made meanwhile joins it), those whose generation serves
 * while older ones drain, and the latest requested ones for /status. Numbers reload ids and generations.
 * Loop thread only.
 */
final class ReloadQueue {
    /** The latest requested reloads kept for /status and /reloads/{id}. */
    static final int RECENT = 20;

    /** The one reload whose generation is starting or waits to try again; null when none is. */
    private Reload starting;
    /** The next requested reload: every request made while one is starting joins it. */
    private Reload queued;
    /** Reloads whose generation serves, waiting for the older ones to exit. */
    private final List<Reload> draining = new ArrayList<>();
    private final Deque<Reload> recent = new ArrayDeque<>();
    private long nextId = 1;
    private int generation;

    Reload starting() {
        return starting;
    }

    Reload queued() {
        return queued;
    }

    /** {@code r} (the first start, a restart) starts now, ahead of any queued reload. */
    void start(Reload r) {
        starting = r;
    }

    /** The queued reload, made now with the next id by {@code newReload} if none is queued. */
    Reload join(LongFunction<Reload> newReload) {
        if (queued == null) {
            queued = newReload.apply(nextId++);
        }
        return queued;
    }

    /** The queued reload when none is starting: the one that may start next. */
    Reload next() {
        return starting == null ? queued : null;
    }

    /** The queued reload becomes the starting one. */
    Reload promote() {
        starting = queued;
        queued = null;
        return starting;
    }

    /** Counts every attempt, failed ones too, as start_server does. */
    int nextGeneration() {
        return ++generation;
    }

    /** The latest generation started (0 before the first). */
    int generation() {
        return generation;
    }

    /** {@code r}'s generation serves: none is starting, and {@code r} waits for the older ones to be gone. */
    void serving(Reload r) {
        starting = null;
        draining.add(r);
    }

    /** A copy: each may finish while they are told an old worker is gone. */
    List<Reload> draining() {
        return List.copyOf(draining);
    }

    /** {@code r} succeeded or failed: it leaves the queue, and a requested one is kept among the recent. */
    void finished(Reload r) {
        draining.remove(r);
        if (starting == r) {
            starting = null;
        }
        if (queued == r) {
            queued = null;
        }
        if (r.requested()) {
            remember(r);
        }
    }

    /** Keeps {@code r} among the recent reloads (once), dropping the oldest beyond {@link #RECENT}. */
    void remember(Reload r) {
        if (!recent.contains(r)) {
            recent.addLast(r);
            while (recent.size() > RECENT) {
                recent.removeFirst();
            }
        }
    }

    /** Every reload not finished: the starting one, the queued one, the draining ones, in that order. */
    List<Reload> pending() {
        List<Reload> pending = new ArrayList<>();
        if (starting != null) {
            pending.add(starting);
        }
        if (queued != null) {
            pending.add(queued);
        }
        pending.addAll(draining);
        return pending;
    }

    /** A recent or the queued reload by id. */
    Optional<Reload> find(long id) {
        return recent.stream().filter(r -> r.id == id).findFirst()
                .or(() -> Optional.ofNullable(queued).filter(r -> r.id == id));
    }

    /** The recent reloads, then the queued one: what /status lists. */
    List<ReloadView> views() {
        List<ReloadView> views = new ArrayList<>();
        recent.forEach(r -> views.add(r.view()));
        if (queued != null) {
            views.add(queued.view());
        }
        return views;
    }
}
