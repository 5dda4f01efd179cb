package dev.baton.sidecar.gate;

/**
 * A gate's answer. {@code reason} is one line saying why (empty when open), written to be read in the
 * log, in {@code /reloads/{id}}'s message and by the operator.
 */
public record Verdict(Kind kind, String reason) {
    public enum Kind { OPEN, WAIT, REFUSE }

    public static final Verdict OPEN = new Verdict(Kind.OPEN, "");

    public static Verdict waitFor(String reason) {
        return new Verdict(Kind.WAIT, reason);
    }

    public static Verdict refuse(String reason) {
        return new Verdict(Kind.REFUSE, reason);
    }

    public boolean open() {
        return kind == Kind.OPEN;
    }
}
