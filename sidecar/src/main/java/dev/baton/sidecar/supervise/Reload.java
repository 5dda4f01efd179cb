package dev.baton.sidecar.supervise;

import java.time.Instant;

/**
 * One requested reload, from request to the moment every older generation has exited. Requests that
 * arrive while a generation is still starting are coalesced into one reload after it, so they share
 * an id. Mutated only on the loop thread; {@link #view()} is the thread-safe copy.
 */
final class Reload {
    /** RETRYING: a generation failed and the next attempt waits for its backoff (--reload-retries). */
    enum State { QUEUED, STARTING, RETRYING, DRAINING, SUCCEEDED, FAILED }

    final long id;
    final String trigger;
    final Instant requestedAt = Instant.now();
    final long requestedNanos = System.nanoTime();
    State state = State.QUEUED;
    int generation;
    /** Generations started for this reload so far: 1 + the retries. */
    int attempts;
    Instant nextAttemptAt;
    String message = "";
    long readyNanos;
    long doneNanos;
    Instant finishedAt;

    Reload(long id, String trigger) {
        this.id = id;
        this.trigger = trigger;
    }

    boolean finished() {
        return state == State.SUCCEEDED || state == State.FAILED;
    }

    ReloadView view() {
        return new ReloadView(id, trigger, state.name().toLowerCase(java.util.Locale.ROOT), generation, message,
                requestedAt, finishedAt, attempts, state == State.RETRYING ? nextAttemptAt : null,
                readyNanos == 0 ? -1 : (readyNanos - requestedNanos) / 1_000_000,
                doneNanos == 0 ? -1 : (doneNanos - requestedNanos) / 1_000_000);
    }
}
