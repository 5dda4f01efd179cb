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

    /** The STATUS= text, or null. */
    public String status() {
        return fields.get("STATUS");
    }
}
