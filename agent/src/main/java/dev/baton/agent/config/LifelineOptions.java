package dev.baton.agent.config;

import java.time.Duration;
import java.util.Locale;

/**
 * What the worker does when its supervisor dies (options {@code lifeline=} and {@code lifelineGrace=},
 * among the other agent options).
 *
 * @param exitWhenOrphaned {@code lifeline=exit} (default): keep serving for the grace, then drain and
 *     exit as on the drain signal, so no worker outlives its supervisor for long; {@code lifeline=serve}:
 *     keep serving until a new supervisor retires this worker (it finds it in the status file)
 * @param grace how long an orphaned worker keeps serving before it drains (default 10 s): a supervisor
 *     restarted meanwhile (systemd {@code Restart=}) takes over from a worker still serving
 */
public record LifelineOptions(boolean exitWhenOrphaned, Duration grace) {

  public static final LifelineOptions DEFAULTS = new LifelineOptions(true, Duration.ofSeconds(10));

  /**
   * Reads {@code lifeline} and {@code lifelineGrace} from the agent argument string; other options are
   * {@link AgentOptions}'.
   *
   * @throws IllegalArgumentException naming the value that is not understood
   */
  public static LifelineOptions parse(String args) {
    boolean exit = DEFAULTS.exitWhenOrphaned();
    Duration grace = DEFAULTS.grace();
    if (args == null) {
      return DEFAULTS;
    }
    for (String[] option : AgentOptions.keysAndValues(args)) {
      String value = option[1];
      switch (option[0]) {
        case "lifeline" -> exit = switch (value.toLowerCase(Locale.ROOT)) {
          case "exit" -> true;
          case "serve" -> false;
          default -> throw new IllegalArgumentException("lifeline '" + value + "' is neither exit nor serve");
        };
        case "lifelineGrace" -> grace = AgentOptions.parseDuration("lifelineGrace", value);
        default -> { } // AgentOptions' own
      }
    }
    return new LifelineOptions(exit, grace);
  }
}
