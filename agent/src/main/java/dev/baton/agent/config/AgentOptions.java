package dev.baton.agent.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * Options given after the jar: {@code -javaagent:baton-agent.jar=signal=TERM,drainTimeout=30s}.
 *
 * @param drainSignal the signal that starts a drain, without {@code SIG} (TERM by default, what
 *     start_server sends to the old generation)
 * @param drainTimeout how long requests in flight may take to finish before the JVM exits anyway
 * @param keepAliveGrace how long a draining HTTP server keeps idle keep-alive connections open, so that
 *     a client about to send its next request on one gets an answer (with {@code Connection: close})
 *     instead of a closed connection; connections still idle after it are closed. Bounded by
 *     {@code drainTimeout}; a worker with no open connection does not wait for it.
 * @param rewriteCache where rewritten JDK and framework classes are kept for the next generation's
 *     start-up: {@link #DEFAULT_CACHE} (a directory under the user's cache home), {@code off}, or a path
 */
public record AgentOptions(String drainSignal, Duration drainTimeout, Duration keepAliveGrace, String rewriteCache) {

  /** {@code cache=} not given: {@code $XDG_CACHE_HOME/baton-agent}, else {@code ~/.cache/baton-agent}. */
  public static final String DEFAULT_CACHE = "";
  public static final String NO_CACHE = "off";

  public static final AgentOptions DEFAULTS =
      new AgentOptions("TERM", Duration.ofSeconds(30), Duration.ofSeconds(1), DEFAULT_CACHE);

  /**
   * Parses the agent argument string.
   *
   * @throws IllegalArgumentException naming the option that is not understood
   */
  public static AgentOptions parse(String args) {
    String signal = DEFAULTS.drainSignal();
    Duration timeout = DEFAULTS.drainTimeout();
    Duration grace = DEFAULTS.keepAliveGrace();
    String cache = DEFAULTS.rewriteCache();
    if (args == null || args.isBlank()) {
      return DEFAULTS;
    }
    for (String[] option : keysAndValues(args)) {
      String key = option[0];
      String value = option[1];
      switch (key) {
        case "signal" -> signal = parseSignal(value);
        case "drainTimeout" -> timeout = parseDuration(key, value);
        case "keepAliveGrace" -> grace = parseDuration(key, value);
        case "cache" -> cache = parseCache(value);
        case "lifeline", "lifelineGrace" -> LifelineOptions.parse(key + "=" + value); // checked here, used by the lifeline
        case "warmUp", "warmUpTime" -> { } // checked below, as a pair; used by the notifier
        default -> throw new IllegalArgumentException("unknown agent option '" + key + "'");
      }
    }
    WarmUpOptions.parse(args);
    return new AgentOptions(signal, timeout, grace, cache);
  }

  /**
   * The agent argument string as {@code {key, value}} pairs, trimmed, blank options left out; each
   * options class ({@link LifelineOptions}, {@link WarmUpOptions}) reads its own keys from them. Arrays,
   * not records or lambdas: this runs in premain, where every class loaded is start-up time.
   */
  static String[][] keysAndValues(String args) {
    if (args == null) {
      return new String[0][];
    }
    String[] options = args.split(",");
    String[][] pairs = new String[options.length][];
    int n = 0;
    for (String option : options) {
      if (option.isBlank()) {
        continue;
      }
      int eq = option.indexOf('=');
      pairs[n++] = new String[] {
          eq < 0 ? option.trim() : option.substring(0, eq).trim(), eq < 0 ? "" : option.substring(eq + 1).trim()};
    }
    return Arrays.copyOf(pairs, n);
  }

  private static String parseCache(String value) {
    if (value.isEmpty()) {
      throw new IllegalArgumentException("cache needs a directory or 'off', e.g. cache=/var/cache/baton-agent");
    }
    return value;
  }

  private static String parseSignal(String value) {
    String name = value.toUpperCase(Locale.ROOT);
    if (name.startsWith("SIG")) {
      name = name.substring(3);
    }
    if (!name.matches("[A-Z0-9]+")) {
      throw new IllegalArgumentException("signal '" + value + "' is not a signal name");
    }
    return name;
  }

  /** {@code 30s}, {@code 500ms}, {@code 2m}, or a plain number of seconds. */
  static Duration parseDuration(String option, String value) {
    String text = value.toLowerCase(Locale.ROOT);
    try {
      if (text.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
      } else if (text.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
      } else if (text.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
      }
      return Duration.ofSeconds(Long.parseLong(text));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " '" + value + "' is not like 30s, 500ms or 2m", e);
    }
  }
}
