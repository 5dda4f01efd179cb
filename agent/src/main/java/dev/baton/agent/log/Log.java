package dev.baton.agent.log;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's only output: single lines on stderr, as {@code baton} writes its own (BATON_LOG_FORMAT,
 * BATON_LOG_TIMESTAMPS, which baton passes to its workers): text prefixed so it stands out in the app's
 * log ({@code baton-agent: …}, {@code baton-agent: warning: …}, {@code baton-agent: error: …}), or one
 * JSON object a line with {@code time}, {@code level}, {@code logger} ({@code baton-agent}),
 * {@code msg}, and this worker's {@code generation} and {@code pid} (docs/usage.md, "Logs").
 */
public final class Log {

  private static final String PREFIX = "baton-agent: ";
  private static final Set<String> ONCE = ConcurrentHashMap.newKeySet();
  private static final boolean JSON = "json".equalsIgnoreCase(env("BATON_LOG_FORMAT"));
  private static final boolean TIMESTAMPS =
      java.util.List.of("true", "1", "yes", "on").contains(env("BATON_LOG_TIMESTAMPS").toLowerCase(java.util.Locale.ROOT));

  private Log() {}

  /**
   * A failure that has been reported already, once, as a warning saying what it costs (an internal of the JDK or
   * a framework that the running version lacks): {@link #error} says nothing more about it, so a feature that
   * is off costs one line per process, not an error at every use.
   */
  public interface Reported {}

  public static void info(String message) {
    write("info", "", message);
  }

  public static void warn(String message) {
    write("warning", "warning: ", message);
  }

  /** Logs a line the first time a key is seen: a port bound normally 100 times is logged once. */
  public static void once(String key, String message) {
    if (ONCE.add(key)) {
      info(message);
    }
  }

  /** A warning the first time a key is seen. */
  public static void warnOnce(String key, String message) {
    if (ONCE.add(key)) {
      warn(message);
    }
  }

  /** Something that should have worked failed; nothing for a failure already {@link Reported}. */
  public static void error(String message, Throwable t) {
    if (!(t instanceof Reported)) {
      write("error", "error: ", message + ": " + t);
    }
  }

  private static void write(String level, String textPrefix, String message) {
    System.err.println(line(level, textPrefix, message));
  }

  static String line(String level, String textPrefix, String message) {
    if (!JSON) {
      return (TIMESTAMPS ? Time.now() + " " : "") + PREFIX + textPrefix + message;
    }
    StringBuilder json = new StringBuilder(128 + message.length()).append("{\"time\":\"").append(Time.now())
        .append("\",\"level\":\"").append(level).append("\",\"logger\":\"baton-agent\",\"msg\":");
    quote(json, message);
    String generation = env("SERVER_STARTER_GENERATION");
    if (generation.matches("\\d{1,9}")) {
      json.append(",\"generation\":").append(generation);
    }
    return json.append(",\"pid\":").append(ProcessHandle.current().pid()).append('}').toString();
  }

  /** RFC 8259: quote, backslash and control characters escaped. */
  private static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }

  private static String env(String name) {
    String value = System.getenv(name);
    return value == null ? "" : value.trim();
  }

  /** Loaded only with timestamps or JSON on: java.time's formatter is no cost a default start-up pays. */
  private static final class Time {
    private static final java.time.format.DateTimeFormatter FORMAT =
        java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", java.util.Locale.ROOT);

    static String now() {
      return FORMAT.format(java.time.OffsetDateTime.now());
    }
  }
}
