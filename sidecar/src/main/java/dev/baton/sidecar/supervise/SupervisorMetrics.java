package dev.baton.sidecar.supervise;

import java.util.Map;
import java.util.TreeMap;

/** The counters behind /metrics. Loop thread only; the snapshot takes copies. */
final class SupervisorMetrics {
    private final Map<String, Long> reloadsByResult = new TreeMap<>(Map.of("succeeded", 0L, "failed", 0L));
    private final DurationHistogram reloadDuration = new DurationHistogram();
    private long workerRestarts;
    private long reloadRetries;

    void reloadFinished(boolean succeeded, double seconds) {
        reloadsByResult.merge(succeeded ? "succeeded" : "failed", 1L, Long::sum);
        if (succeeded) {
            reloadDuration.record(seconds);
        }
    }

    void workerRestarted() {
        workerRestarts++;
    }

    void reloadRetried() {
        reloadRetries++;
    }

    Map<String, Long> reloadsByResult() {
        return Map.copyOf(reloadsByResult);
    }

    DurationHistogram reloadDuration() {
        return reloadDuration.copy();
    }

    long workerRestarts() {
        return workerRestarts;
    }

    long reloadRetries() {
        return reloadRetries;
    }
}
