package dev.baton.sidecar.supervise;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

import dev.baton.sidecar.gate.LiveGenerations;

/** The live workers by pid, and the one that serves. Loop thread only. */
final class WorkerTable {
    private final Map<Integer, Worker> byPid = new LinkedHashMap<>();
    private Worker serving;

    void add(Worker w) {
        byPid.put(w.pid, w);
    }

    Worker get(int pid) {
        return byPid.get(pid);
    }

    /** The worker {@code pid} was reaped; null if it was not ours (an adopted orphan, the log pipe). */
    Worker remove(int pid) {
        Worker w = byPid.remove(pid);
        if (w == serving) {
            serving = null;
        }
        return w;
    }

    boolean isEmpty() {
        return byPid.isEmpty();
    }

    /** A copy, safe to iterate while signalling. */
    List<Worker> all() {
        return new ArrayList<>(byPid.values());
    }

    /** The newest ready generation's worker, or null while none serves. */
    Worker serving() {
        return serving;
    }

    /** {@code w} serves from now on; the one that served before is an old worker, to be retired. */
    void serve(Worker w) {
        if (serving != null) {
            serving.state = WorkerState.DRAINING;
        }
        w.state = WorkerState.SERVING;
        serving = w;
    }

    /** Every worker of a generation before {@code generation} (draining, or given up on and dying), by pid. */
    List<Worker> olderThan(int generation) {
        return byPid.values().stream().filter(w -> w.generation < generation)
                .sorted(Comparator.comparingInt(w -> w.pid)).toList();
    }

    /** What the start gates see: the {@code next} generation's number, the serving worker, the older ones still alive. */
    LiveGenerations live(int next) {
        List<LiveGenerations.Generation> older = serving == null ? List.of() : olderThan(serving.generation).stream()
                .sorted(Comparator.comparingInt((Worker w) -> w.generation))
                .map(w -> new LiveGenerations.Generation(w.generation, w.pid)).toList();
        return new LiveGenerations(next, serving == null ? null : new LiveGenerations.Generation(serving.generation, serving.pid), older);
    }

    /** What the status file lists: generation to pid of the ready and the draining workers. */
    SortedMap<Integer, Integer> statusLines() {
        SortedMap<Integer, Integer> lines = new TreeMap<>();
        for (Worker w : byPid.values()) {
            if (w.state != WorkerState.STARTING) {
                lines.put(w.generation, w.pid);
            }
        }
        return lines;
    }

    List<WorkerView> views() {
        return byPid.values().stream().sorted(Comparator.comparingInt((Worker w) -> w.generation))
                .map(w -> new WorkerView(w.generation, w.pid, w.state.name().toLowerCase(java.util.Locale.ROOT),
                        w.spawnedAt, w.lastStatus))
                .toList();
    }

    /** "12,34": as start_server lists pids. */
    static String pids(Collection<Worker> workers) {
        return workers.stream().map(w -> w.pid).sorted().map(String::valueOf).collect(Collectors.joining(","));
    }
}
