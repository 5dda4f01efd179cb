package dev.baton.agent.config;

import java.time.Duration;

/**
 * How long a new generation lets the old one serve beside it (options {@code warmUp=} and {@code warmUpTime=},
 * among the other agent options): a fresh JVM answers its first requests slowly (interpreted code, JIT
 * compilation, thread pools still growing), while the old generation is warm. The agent says {@code READY=1} as
 * soon as it accepts, and tells the supervisor how long it may keep the older generations serving; it says it is
 * warm once it has answered {@code requests}. baton retires the older generations then, or after {@code time},
 * whichever comes first (a worker without traffic is released by the time).
 *
 * <p>Off by default: the older generations are retired at {@code READY=1}, as under start_server. Only
 * {@code warmUp=N} turns it on; {@code warmUpTime} alone is refused (a fixed time is baton's
 * {@code --kill-old-delay}).
 *
 * @param requests requests to answer before the older generations are retired; 0: off
 * @param time at most this long after {@code READY=1} (baton also caps it at its {@code --ready-timeout})
 */
public record WarmUpOptions(int requests, Duration time) {

  public static final WarmUpOptions DEFAULTS = new WarmUpOptions(0, Duration.ofSeconds(2));

  /** Whether the old generation waits for this one at all. */
  public boolean enabled() {
    return requests > 0 && !time.isZero();
  }

  /**
   * Reads {@code warmUp} and {@code warmUpTime} from the agent argument string; other options are
   * {@link AgentOptions}'.
   *
   * @throws IllegalArgumentException naming the value that is not understood
   */
  public static WarmUpOptions parse(String args) {
    int requests = DEFAULTS.requests();
    Duration time = DEFAULTS.time();
    boolean timeGiven = false;
    if (args == null) {
      return DEFAULTS;
    }
    for (String[] option : AgentOptions.keysAndValues(args)) {
      String value = option[1];
      switch (option[0]) {
        case "warmUp" -> requests = parseRequests(value);
        case "warmUpTime" -> {
          time = AgentOptions.parseDuration("warmUpTime", value);
          timeGiven = true;
        }
        default -> { } // AgentOptions' own
      }
    }
    if (time.isZero() || time.isNegative()) {
      throw new IllegalArgumentException("warmUpTime must be more than 0, e.g. warmUpTime=5s");
    }
    if (timeGiven && requests == 0) {
      throw new IllegalArgumentException("warmUpTime needs warmUp=N (the requests to answer before the old generation"
          + " is retired), e.g. warmUp=200,warmUpTime=5s; to keep the old generation a fixed time use baton's --kill-old-delay");
    }
    return new WarmUpOptions(requests, time);
  }

  private static int parseRequests(String value) {
    if ("off".equals(value)) {
      return 0;
    }
    try {
      int requests = Integer.parseInt(value);
      if (requests >= 0) {
        return requests;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException("warmUp '" + value + "' is not a number of requests (or off), e.g. warmUp=100");
  }
}
