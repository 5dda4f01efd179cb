package dev.baton.sidecar;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The supervisor's log, on stderr (which {@code --log-file} redirects), in one of two formats:
 *
 * <ul>
 * <li>{@code text} (the default): start_server's lines word for word (scripts grep them), Baton's own in
 * the same style, problems as {@code baton: warning: …} and {@code baton: error: …}; with timestamps,
 * each line starts with the time (RFC 3339, milliseconds, the local offset).
 * <li>{@code json}: one object a line, {@code time}, {@code level} ({@code info}, {@code warning},
 * {@code error}), {@code logger} ({@code baton}), {@code msg} (the text line without its prefix), and
 * where the event concerns one worker its {@code generation} and {@code pid} (and, for an exit,
 * {@code status}, {@code exitCode} or {@code signal}); a reload's {@code reload} id. These are the names
 * log pipelines look for first (Go's slog, logfmt; Loki and Grafana read {@code level}).
 * </ul>
 *
 * The agent writes its lines the same way ({@code baton-agent:}, {@code "logger":"baton-agent"}): baton
 * passes its choice to the workers as BATON_LOG_FORMAT and BATON_LOG_TIMESTAMPS.
 */
public final class Log {
    /** How lines are written. */
    public enum Format {
        TEXT, JSON;

        /** "text" or "json" (any case), or an error naming the choices. */
        public static Format parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown log format '" + value + "': use text or json");
            }
        }
    }

    /** The same three words in both formats, and in the agent's lines. */
    enum Level {
        INFO(""), WARNING("baton: warning: "), ERROR("baton: error: ");

        final String textPrefix;

        Level(String textPrefix) {
            this.textPrefix = textPrefix;
        }

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT);

    private static volatile Format format = Format.TEXT;
    private static volatile boolean timestamps;

    private Log() {
    }

    /** Set once, before the first line worth formatting (BatonMain, after the options are read). */
    public static void configure(Format newFormat, boolean withTimestamps) {
        format = newFormat;
        timestamps = withTimestamps;
    }

    public static void info(String line) {
        write(Level.INFO, line, Map.of());
    }

    /** Something went wrong that baton handled, or will: "baton: warning: …". */
    public static void warn(String line) {
        write(Level.WARNING, line, Map.of());
    }

    /** A problem the user must act on: "baton: error: …". */
    public static void error(String line) {
        write(Level.ERROR, line, Map.of());
    }

    /** An event about one worker: JSON lines carry its generation and pid. */
    public static Event worker(int generation, int pid) {
        return new Event().with("generation", generation).with("pid", pid);
    }

    /** An event with fields for JSON lines; text lines are the message alone. */
    public static Event with(String key, Object value) {
        return new Event().with(key, value);
    }

    /** A line's fields, added before it is written. */
    public static final class Event {
        private final Map<String, Object> fields = new LinkedHashMap<>();

        private Event() {
        }

        /** A number or a string; a null value is left out. */
        public Event with(String key, Object value) {
            if (value != null) {
                fields.put(key, value);
            }
            return this;
        }

        public void info(String line) {
            write(Level.INFO, line, fields);
        }

        public void warn(String line) {
            write(Level.WARNING, line, fields);
        }

        public void error(String line) {
            write(Level.ERROR, line, fields);
        }
    }

    private static void write(Level level, String line, Map<String, Object> fields) {
        System.err.println(format(level, line, fields));
    }

    static String format(Level level, String line, Map<String, Object> fields) {
        String time = timestamps || format == Format.JSON ? TIME.format(OffsetDateTime.now()) : null;
        if (format == Format.TEXT) {
            return (time == null ? "" : time + " ") + level.textPrefix + line;
        }
        StringBuilder json = new StringBuilder(96 + line.length());
        json.append("{\"time\":\"").append(time).append("\",\"level\":\"").append(level.word())
                .append("\",\"logger\":\"baton\",\"msg\":");
        quote(json, line);
        for (Map.Entry<String, Object> f : fields.entrySet()) {
            json.append(",\"").append(f.getKey()).append("\":");
            if (f.getValue() instanceof Number n) {
                json.append(n);
            } else {
                quote(json, f.getValue().toString());
            }
        }
        return json.append('}').toString();
    }

    /** A JSON string (RFC 8259): quote, backslash and control characters escaped. */
    private static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
