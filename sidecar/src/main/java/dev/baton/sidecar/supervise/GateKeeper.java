package dev.baton.sidecar.supervise;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

import dev.baton.sidecar.gate.GenerationCap;
import dev.baton.sidecar.gate.LiveGenerations;
import dev.baton.sidecar.gate.StartGates;
import dev.baton.sidecar.gate.Verdict;
import dev.baton.sidecar.gate.WaitBound;
import dev.baton.sidecar.memory.MemoryGate;
import dev.baton.sidecar.watch.ExpectedConfigGate;

/**
 * The start gates as the supervisor asks them, for a reload about to start its generation: the reload's
 * own expected config first, then the supervisor's gates (generation cap, memory). Counts the waits and
 * refusals by gate for /metrics. Loop thread only.
 */
final class GateKeeper {
    private final StartGates gates;
    private final Duration configWait;
    private final LongSupplier nanoTime;
    private final Map<String, Long> waits = new TreeMap<>();
    private final Map<String, Long> refusals = new TreeMap<>();

    GateKeeper(StartGates gates, Duration configWait, LongSupplier nanoTime) {
        this.gates = gates;
        this.configWait = configWait;
        this.nanoTime = nanoTime;
    }

    /** Asks the gates for {@code r}; a wait at a gate it was not waiting at, and a refusal, are counted. */
    Verdict check(Reload r, LiveGenerations live) {
        if (r.passage == null) {
            WaitBound bound = r.expectTimeout() != null ? new WaitBound(r.expectTimeout(), "expectTimeout")
                    : new WaitBound(configWait, "--config-wait");
            r.passage = gates.passage(r.expected().isEmpty() ? List.of() : List.of(new ExpectedConfigGate(r.expected(), bound)), nanoTime);
        }
        Verdict v = r.passage.check(live);
        String gate = r.passage.decidedBy();
        if (v.kind() == Verdict.Kind.WAIT && !gate.equals(r.waitingAt)) {
            waits.merge(gate, 1L, Long::sum);
        }
        if (v.kind() == Verdict.Kind.REFUSE) {
            refusals.merge(gate, 1L, Long::sum);
        }
        r.waitingAt = v.kind() == Verdict.Kind.WAIT ? gate : null;
        return v;
    }

    Map<String, Long> waits() {
        return Map.copyOf(waits);
    }

    Map<String, Long> refusals() {
        return Map.copyOf(refusals);
    }

    /** --max-generations (0: none). */
    int maxGenerations() {
        return gates.gates().stream().filter(GenerationCap.class::isInstance).map(GenerationCap.class::cast)
                .mapToInt(GenerationCap::max).findFirst().orElse(0);
    }

    /** The memory gate's numbers now, or null without a memory cgroup. */
    MemoryGate.Status memory(LiveGenerations live) {
        return gates.gates().stream().filter(MemoryGate.class::isInstance).map(MemoryGate.class::cast)
                .findFirst().map(m -> m.status(live)).orElse(null);
    }
}
