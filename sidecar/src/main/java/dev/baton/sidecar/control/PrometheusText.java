package dev.baton.sidecar.control;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.baton.sidecar.supervise.DurationHistogram;
import dev.baton.sidecar.supervise.SupervisorSnapshot;
import dev.baton.sidecar.supervise.WorkerView;

/** Renders a snapshot in the Prometheus text exposition format (version 0.0.4). */
final class PrometheusText {
    private PrometheusText() {
    }

    static String render(SupervisorSnapshot s) {
        StringBuilder out = new StringBuilder(2048);
        out.append("# HELP baton_reloads_total Reloads finished, by result.\n# TYPE baton_reloads_total counter\n");
        for (Map.Entry<String, Long> e : new TreeMap<>(s.reloadsByResult()).entrySet()) {
            out.append("baton_reloads_total{result=\"").append(e.getKey()).append("\"} ").append(e.getValue()).append('\n');
        }
        DurationHistogram h = s.reloadDuration();
        out.append("# HELP baton_reload_duration_seconds From reload request until every older generation has exited.\n")
                .append("# TYPE baton_reload_duration_seconds histogram\n");
        for (int i = 0; i < DurationHistogram.BOUNDS.length; i++) {
            out.append("baton_reload_duration_seconds_bucket{le=\"").append(number(DurationHistogram.BOUNDS[i])).append("\"} ")
                    .append(h.cumulative(i)).append('\n');
        }
        out.append("baton_reload_duration_seconds_bucket{le=\"+Inf\"} ").append(h.count()).append('\n');
        out.append("baton_reload_duration_seconds_sum ").append(number(h.sum())).append('\n');
        out.append("baton_reload_duration_seconds_count ").append(h.count()).append('\n');

        Map<String, Integer> byState = new TreeMap<>(Map.of("starting", 0, "serving", 0, "draining", 0));
        for (WorkerView w : s.workers()) {
            byState.merge(w.state(), 1, Integer::sum);
        }
        out.append("# HELP baton_workers Worker processes, by state.\n# TYPE baton_workers gauge\n");
        byState.forEach((state, n) -> out.append("baton_workers{state=\"").append(state).append("\"} ").append(n).append('\n'));
        out.append("# HELP baton_worker_restarts_total Serving workers that died unexpectedly and were restarted.\n")
                .append("# TYPE baton_worker_restarts_total counter\n")
                .append("baton_worker_restarts_total ").append(s.workerRestarts()).append('\n');
        out.append("# HELP baton_reload_retries_total Generations started again for a reload whose previous one failed (--reload-retries).\n")
                .append("# TYPE baton_reload_retries_total counter\n")
                .append("baton_reload_retries_total ").append(s.reloadRetries()).append('\n');
        out.append("# HELP baton_reload_retry_limit --reload-retries: retries allowed per reload.\n# TYPE baton_reload_retry_limit gauge\n")
                .append("baton_reload_retry_limit ").append(s.reloadRetryLimit()).append('\n');
        out.append("# HELP baton_generation The newest generation number spawned.\n# TYPE baton_generation gauge\n")
                .append("baton_generation ").append(s.generation()).append('\n');
        out.append("# HELP baton_ready 1 while a worker serves.\n# TYPE baton_ready gauge\n")
                .append("baton_ready ").append(s.ready() ? 1 : 0).append('\n');
        out.append("# HELP baton_crash_loop 1 while workers keep failing to start.\n# TYPE baton_crash_loop gauge\n")
                .append("baton_crash_loop ").append(s.crashLoop() ? 1 : 0).append('\n');
        return out.toString();
    }

    private static String number(double d) {
        return d == Math.rint(d) && !Double.isInfinite(d) ? String.format(Locale.ROOT, "%.1f", d) : Double.toString(d);
    }
}
