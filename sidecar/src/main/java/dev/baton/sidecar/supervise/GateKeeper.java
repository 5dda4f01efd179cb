package dev.baton.sidecar.supervise;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.baton.sidecar.Log;
import dev.baton.sidecar.gate.GenerationCap;
import dev.baton.sidecar.gate.LiveGenerations;
import dev.baton.sidecar.gate.StartGates;
import dev.baton.sidecar.gate.Verdict;
import dev.baton.sidecar.gate.WaitBound;
import dev.baton.sidecar.memory.MemoryGate;
import dev.baton.sidecar.notify.SystemdReporter;
import dev.baton.sidecar.watch.ExpectedConfigGate;

/**
 * The start gates as the supervisor asks them, for a reload about to start its generation: the reload's
 * own expected config first, then the supervisor's gates (generation cap, memory). A reload they hold
 * back is asked about again every {@link #RECHECK} (and whenever the supervisor asks again). Counts the
 * waits and refusals by gate for /metrics. Loop thread only.
 */
final class GateKeeper {
    /** While a queued reload waits at a start gate, the gates are asked again this often (and whenever a worker exits). */
    static final Duration RECHECK = Duration.ofMillis(500);

    private final StartGates gates;
    private final Duration configWait;
    private final EventLoop loop;
    private final SystemdReporter systemd;
    private final Map<String, Long> waits = new TreeMap<>();
    private final Map<String, Long> refusals = new TreeMap<>();
    /** Asks the start gates again while the queued reload waits at one. */
    private EventLoop.Timer recheck;

    GateKeeper(StartGates gates, Duration configWait, EventLoop loop, SystemdReporter systemd) {
        this.gates = gates;
        this.configWait = configWait;
        this.loop = loop;
        this.systemd = systemd;
    }

    /**
     * Whether {@code r}, queued while a generation serves, may start its generation now. Held at a gate, it is
     * told why (logged once per gate), and {@code askAgain} runs after {@link #RECHECK}; refused, it fails.
     */
    boolean admits(Reload r, LiveGenerations live, Runnable askAgain) {
        String wasWaitingAt = r.waitingAt;
        Verdict v = check(r, live);
        switch (v.kind()) {
            case OPEN -> {
                if (wasWaitingAt != null) {
                    Log.info("reload " + r.id + " may start its generation now");
                }
                r.admitted();
                return true;
            }
            case WAIT -> {
                if (wasWaitingAt == null) {
                    systemd.reloadHeld(v.reason());
                }
                if (!r.waitingAt.equals(wasWaitingAt)) { // once per gate: its numbers change at every look
                    Log.info("reload " + r.id + " waits: " + v.reason());
                }
                r.held(v.reason());
                if (recheck == null) {
                    recheck = loop.schedule(RECHECK, () -> {
                        recheck = null;
                        askAgain.run();
                    });
                }
                return false;
            }
            default -> {
                r.refused(v.reason());
                if (wasWaitingAt == null) {
                    systemd.reloadHeld(v.reason());
                }
                systemd.reloadFailed(live.serving().generation());
                return false;
            }
        }
    }

    /** The supervisor shuts down: no more asking again. */
    void stopRechecking() {
        if (recheck != null) {
            recheck.cancel();
            recheck = null;
        }
    }

    /** Asks the gates for {@code r}; a wait at a gate it was not waiting at, and a refusal, are counted. */
    private Verdict check(Reload r, LiveGenerations live) {
        if (r.passage == null) {
            WaitBound bound = r.expectTimeout() != null ? new WaitBound(r.expectTimeout(), "expectTimeout")
                    : new WaitBound(configWait, "--config-wait");
            r.passage = gates.passage(r.expected().isEmpty() ? List.of() : List.of(new ExpectedConfigGate(r.expected(), bound)), loop::nanoTime);
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
