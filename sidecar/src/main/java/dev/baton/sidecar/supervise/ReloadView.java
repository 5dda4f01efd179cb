package dev.baton.sidecar.supervise;

import java.time.Instant;

/**
 * An immutable picture of a reload.
 *
 * @param readyMillis request to new generation ready, or -1
 * @param doneMillis  request to every older generation gone, or -1
 */
public record ReloadView(long id, String trigger, String state, int generation, String message,
                         Instant requestedAt, Instant finishedAt, long readyMillis, long doneMillis) {
    public boolean finished() {
        return "succeeded".equals(state) || "failed".equals(state);
    }
}
