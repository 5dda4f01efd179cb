package dev.baton.sidecar.gate;

/**
 * {@code --max-generations}: at most this many generations alive at once, the starting one included.
 * A reload that would exceed it waits for a draining generation to exit. Each JVM generation holds
 * its heap until it exits, so a burst of reloads whose old generations drain slowly (long requests,
 * keep-alive clients) otherwise piles up JVMs: the memory gate bounds that where the container has a
 * limit, the cap everywhere.
 */
public final class GenerationCap implements StartGate {
    /** Fewer than two cannot reload without a gap: the new generation must start while the old one serves. */
    public static final int LEAST = 2;

    private final int max;
    private final WaitBound waitBound;

    /** {@code max} = 0: no cap (start_server's behaviour). */
    public GenerationCap(int max, WaitBound waitBound) {
        if (max != 0 && max < LEAST) {
            throw new IllegalArgumentException("--max-generations must be 0 (no cap) or at least " + LEAST);
        }
        this.max = max;
        this.waitBound = waitBound;
    }

    public int max() {
        return max;
    }

    @Override
    public String name() {
        return "generations";
    }

    @Override
    public Verdict check(LiveGenerations live) {
        if (max == 0 || live.alive() + 1 <= max) {
            return Verdict.OPEN;
        }
        String why = "generation " + live.next() + " would be the " + ordinal(live.alive() + 1)
                + " generation alive (--max-generations " + max + ")";
        return live.draining().isEmpty() ? Verdict.refuse(why)
                : Verdict.waitFor(why + "; waiting for " + live.drainingText() + " to exit");
    }

    @Override
    public WaitBound waitBound() {
        return waitBound;
    }

    private static String ordinal(int n) {
        return switch (n % 100 >= 11 && n % 100 <= 13 ? 0 : n % 10) {
            case 1 -> n + "st";
            case 2 -> n + "nd";
            case 3 -> n + "rd";
            default -> n + "th";
        };
    }
}
