package dev.baton.sidecar.supervise;

import java.time.Instant;

/**
 * An immutable picture of a reload.
 *
 * @param attempts    generations started for it (more than 1 after --reload-retries retried it)
 * @param nextAttemptAt when the next retry starts, while the state is {@code retrying}; else null
 * @param readyMillis request to new generation ready, or -1
 * @param doneMillis  request to every older generation gone, or -1
 */
public record ReloadView(long id, String trigger, String state, int generation, String message,
                         Instant requestedAt, Instant finishedAt, int attempts, Instant nextAttemptAt, long readyMillis, long doneMillis) {
    public boolean finished() {
        return "succeeded".equals(state) || "failed".equals(state);
    }
}
