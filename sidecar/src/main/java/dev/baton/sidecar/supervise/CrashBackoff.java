package dev.baton.sidecar.supervise;

import java.time.Duration;

/**
 * The run of failures that drives the crash loop's backoff: every generation that failed to become ready
 * and every serving worker that died counts, and a worker that had served {@link #STABLE_AFTER} before it
 * died starts the run over. {@link Retries} turns the count into a wait, or into giving up. Loop thread only.
 */
final class CrashBackoff {
    /** A worker that served this long before dying was not crash-looping: the backoff starts over. */
    static final Duration STABLE_AFTER = Duration.ofSeconds(30);
    /** From this many failures in a row /status reports a crash loop. */
    private static final int CRASH_LOOP = 3;

    private final Retries retries;
    private int failuresInARow;

    CrashBackoff(Retries retries) {
        this.retries = retries;
    }

    /** A generation failed to become ready (it exited, missed --ready-timeout, or could not be spawned). */
    void generationFailed() {
        failuresInARow++;
    }

    /** The serving worker died after serving {@code servedNanos}. */
    void servingDied(long servedNanos) {
        if (servedNanos >= STABLE_AFTER.toNanos()) {
            failuresInARow = 0;
        }
        failuresInARow++;
    }

    int failuresInARow() {
        return failuresInARow;
    }

    /** The wait before starting again once nothing serves. */
    Duration beforeRestart() {
        return retries.beforeRestart(failuresInARow);
    }

    /** Whether a start that failed while nothing serves ends the supervisor (exit 1). */
    boolean startGivesUp(boolean everServed) {
        return retries.startGivesUp(everServed, failuresInARow);
    }

    /** Enough failures in a row to call it a crash loop (shown in /status while nothing serves or a restart starts). */
    boolean looping() {
        return failuresInARow >= CRASH_LOOP;
    }
}
