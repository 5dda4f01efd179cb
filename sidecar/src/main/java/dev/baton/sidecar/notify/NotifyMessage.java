package dev.baton.sidecar.notify;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One sd_notify datagram: newline-separated {@code KEY=value} assignments, e.g.
 * {@code READY=1\nSTATUS=listening on 8080}.
 */
public record NotifyMessage(Map<String, String> fields) {

    public static NotifyMessage parse(String datagram) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : datagram.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                fields.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return new NotifyMessage(Map.copyOf(fields));
    }

    public boolean ready() {
        return "1".equals(fields.get("READY"));
    }

    public boolean stopping() {
        return "1".equals(fields.get("STOPPING"));
    }

    /**
     * With READY=1, Baton's agent's warm-up ({@code X_BATON_WARM_UP_MS}): how long the older generations may keep
     * serving beside this one while it warms up, in ms; -1 without one (or a value that is no number).
     */
    public long warmUpMillis() {
        return number(fields.get("X_BATON_WARM_UP_MS"));
    }

    /** With {@link #warmUpMillis}: the requests it answers before it says it is warm; -1 if not said. */
    public long warmUpRequests() {
        return number(fields.get("X_BATON_WARM_UP_REQUESTS"));
    }

    /** {@code X_BATON_WARM=1}: the worker has warmed up; the older generations may be retired now. */
    public boolean warm() {
        return "1".equals(fields.get("X_BATON_WARM"));
    }

    private static long number(String value) {
        try {
            return value == null ? -1 : Math.max(-1, Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The STATUS= text, or null. */
    public String status() {
        return fields.get("STATUS");
    }
}
