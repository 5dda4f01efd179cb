package dev.baton.sidecar.supervise;

import java.util.List;
import java.util.Map;

/**
 * Everything the control API and metrics show, taken on the loop thread in one go.
 *
 * @param reloadRetryLimit --reload-retries: how often a failing reload is tried again
 * @param reloadRetries    reload retries started since baton started
 * @param gates            the start gates: cap, memory, waits and refusals
 */
public record SupervisorSnapshot(int supervisorPid, int generation, boolean shuttingDown, boolean crashLoop,
                                 List<WorkerView> workers, List<ReloadView> recentReloads,
                                 Map<String, Long> reloadsByResult, long workerRestarts,
                                 int reloadRetryLimit, long reloadRetries,
                                 DurationHistogram reloadDuration, GateSnapshot gates) {

    /** A worker of the newest ready generation is serving. */
    public boolean ready() {
        return workers.stream().anyMatch(w -> "serving".equals(w.state()));
    }
}
