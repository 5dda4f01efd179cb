package dev.baton.sidecar.control;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.baton.sidecar.memory.MemoryGate;
import dev.baton.sidecar.supervise.DurationHistogram;
import dev.baton.sidecar.supervise.GateSnapshot;
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
        gates(out, s.gates());
        return out.toString();
    }

    /** The start gates: what they hold reloads to, what they did, and the memory they measure. */
    private static void gates(StringBuilder out, GateSnapshot g) {
        Map<String, Long> none = Map.of("config", 0L, "generations", 0L, "memory", 0L);
        out.append("# HELP baton_reload_gate_waits_total Reloads that waited at a start gate before their generation started, by gate.\n")
                .append("# TYPE baton_reload_gate_waits_total counter\n");
        withZeros(none, g.waits()).forEach((gate, n) -> out.append("baton_reload_gate_waits_total{gate=\"").append(gate)
                .append("\"} ").append(n).append('\n'));
        out.append("# HELP baton_reload_gate_refusals_total Reloads that failed at a start gate (refused, or waited too long), by gate.\n")
                .append("# TYPE baton_reload_gate_refusals_total counter\n");
        withZeros(none, g.refusals()).forEach((gate, n) -> out.append("baton_reload_gate_refusals_total{gate=\"").append(gate)
                .append("\"} ").append(n).append('\n'));
        out.append("# HELP baton_reload_waiting 1 while a reload waits at a start gate.\n# TYPE baton_reload_waiting gauge\n")
                .append("baton_reload_waiting ").append(g.waiting() ? 1 : 0).append('\n');
        out.append("# HELP baton_max_generations --max-generations: generations alive at once (0: no cap).\n")
                .append("# TYPE baton_max_generations gauge\n").append("baton_max_generations ").append(g.maxGenerations()).append('\n');
        MemoryGate.Status m = g.memory();
        if (m == null) {
            return;
        }
        gauge(out, "baton_memory_limit_bytes", "The memory cgroup's limit (-1: none).", m.limitBytes());
        gauge(out, "baton_memory_usage_bytes", "Memory charged to the cgroup, page cache included.", m.usageBytes());
        gauge(out, "baton_memory_working_set_bytes", "Usage minus inactive page cache: what a new generation must fit beside.",
                m.workingSetBytes());
        gauge(out, "baton_memory_generation_estimate_bytes", "What the next generation is expected to need (-1: not known yet).",
                m.estimateBytes());
        gauge(out, "baton_memory_margin_bytes", "--memory-margin in bytes (-1: no limit).", m.marginBytes());
        if (m.oomKills() >= 0) {
            out.append("# HELP baton_memory_oom_kills_total Processes the kernel's OOM killer killed in this cgroup.\n")
                    .append("# TYPE baton_memory_oom_kills_total counter\n")
                    .append("baton_memory_oom_kills_total ").append(m.oomKills()).append('\n');
        }
    }

    private static Map<String, Long> withZeros(Map<String, Long> zeros, Map<String, Long> counts) {
        Map<String, Long> all = new TreeMap<>(zeros);
        all.putAll(counts);
        return all;
    }

    private static void gauge(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(value).append('\n');
    }

    private static String number(double d) {
        return d == Math.rint(d) && !Double.isInfinite(d) ? String.format(Locale.ROOT, "%.1f", d) : Double.toString(d);
    }
}
