package dev.baton.sidecar.gate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The gates a reload passes before its new generation starts, in order: the reload's own (the config it
 * expects), then the supervisor's (the generation cap, the memory budget). Each reload that meets a gate
 * gets a {@link Passage}, which remembers since when it waits at each gate: a wait longer than that gate's
 * {@link StartGate#waitBound()} becomes a refusal naming the option to change.
 */
public final class StartGates {
    private final List<StartGate> gates;

    public StartGates(List<StartGate> gates) {
        this.gates = List.copyOf(gates);
    }

    /** No gate at all: every generation may start (tests, and a supervisor built without options). */
    public static StartGates none() {
        return new StartGates(List.of());
    }

    public List<StartGate> gates() {
        return gates;
    }

    /** One reload's way through the gates, {@code own} (its expected config) first; waits timed by {@code nanoTime}. */
    public Passage passage(List<StartGate> own, LongSupplier nanoTime) {
        List<StartGate> all = new ArrayList<>(own);
        all.addAll(gates);
        return new Passage(all, nanoTime);
    }

    /** A reload at the gates: ask {@link #check} until it is open or refused. */
    public final class Passage {
        private final List<StartGate> gates;
        private final LongSupplier nanoTime;
        private final Map<StartGate, Long> waitingSince = new IdentityHashMap<>();
        private StartGate decidedBy;

        private Passage(List<StartGate> gates, LongSupplier nanoTime) {
            this.gates = gates;
            this.nanoTime = nanoTime;
        }

        /** Asks every gate in order; the first that does not open decides. */
        public Verdict check(LiveGenerations live) {
            decidedBy = null;
            for (StartGate gate : gates) {
                Verdict v = gate.check(live);
                if (v.kind() != Verdict.Kind.OPEN) {
                    decidedBy = gate;
                }
                if (v.kind() == Verdict.Kind.REFUSE) {
                    return v;
                }
                if (v.kind() == Verdict.Kind.WAIT) {
                    long now = nanoTime.getAsLong();
                    long since = waitingSince.computeIfAbsent(gate, g -> now);
                    Duration waited = Duration.ofNanos(now - since);
                    WaitBound bound = gate.waitBound();
                    if (waited.compareTo(bound.max()) >= 0) {
                        return Verdict.refuse(v.reason() + "; gave up after " + human(bound.max()) + " (" + bound.option() + ")");
                    }
                    return v;
                }
            }
            return Verdict.OPEN;
        }

        /** The name of the gate that made the last {@link #check} wait or refuse; null when it was open. */
        public String decidedBy() {
            return decidedBy == null ? null : decidedBy.name();
        }
    }

    public static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }
}
