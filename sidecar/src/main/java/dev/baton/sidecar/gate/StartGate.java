package dev.baton.sidecar.gate;

/**
 * One question asked before a reload starts its new generation: may it start now? A gate answers
 * {@link Verdict#OPEN open}, {@link Verdict#waitFor wait} (something that is on its way — an old
 * generation exiting, a config volume being updated — will change the answer) or
 * {@link Verdict#refuse refuse} (nothing will). {@link StartGates} asks the gates in order, again while
 * one says wait, and turns a wait longer than the gate's {@link #waitBound()} into a refusal.
 *
 * <p>Called on the supervisor's loop thread only; a gate may read files (cgroupfs, procfs, a config
 * volume) but must not block for long.
 */
public interface StartGate {

    /** A short name for metrics labels and /status: {@code config}, {@code generations}, {@code memory}. */
    String name();

    Verdict check(LiveGenerations live);

    /** How long a reload may wait at this gate before it fails, and the option that sets it. */
    WaitBound waitBound();
}
