package dev.baton.operator.inject;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long an injected pod's shutdown may take, which {@code terminationGracePeriodSeconds} must cover (the
 * kubelet SIGKILLs the container when it runs out, preStop included): the preStop pause, then the drain that
 * baton's TERM starts, then a margin for baton and the JVM to exit. The drain is the agent's
 * {@code drainTimeout} (default 30 s) plus the 2 s its watchdog allows past it, cut short by baton's
 * {@code --drain-timeout} when that is given (baton SIGKILLs a worker still running then).
 */
record ShutdownTime(int preStopSeconds, long drainSeconds) {
  static final long AGENT_DRAIN_SECONDS = 30;
  static final long AGENT_WATCHDOG_SECONDS = 2;
  static final long MARGIN_SECONDS = 5;
  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

  static ShutdownTime of(int preStopSeconds, List<String> batonArgs, String agentArgs) {
    long drain = AGENT_DRAIN_SECONDS;
    for (String option : agentArgs.split(",")) {
      if (option.strip().startsWith("drainTimeout=")) {
        long d = seconds(option.strip().substring("drainTimeout=".length()));
        drain = d >= 0 ? d : drain; // the agent refuses a malformed one itself
      }
    }
    drain += AGENT_WATCHDOG_SECONDS;
    for (String arg : batonArgs) {
      if (arg.startsWith("--drain-timeout=")) {
        long d = seconds(arg.substring("--drain-timeout=".length()));
        if (d >= 0) {
          drain = Math.min(drain, d);
        }
      }
    }
    return new ShutdownTime(preStopSeconds, drain);
  }

  /** The grace period this shutdown needs, in seconds. */
  long needed() {
    return preStopSeconds + drainSeconds + MARGIN_SECONDS;
  }

  String explain() {
    return "preStop " + preStopSeconds + " s + drain " + drainSeconds + " s + " + MARGIN_SECONDS + " s";
  }

  /** 30s, 500ms, 2m, 1h or plain seconds, rounded up to whole seconds; -1 when malformed. */
  static long seconds(String text) {
    Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      return -1;
    }
    double n = Double.parseDouble(m.group(1));
    double factor = switch (m.group(2) == null ? "s" : m.group(2)) {
      case "ms" -> 0.001;
      case "m" -> 60;
      case "h" -> 3600;
      default -> 1;
    };
    return (long) Math.ceil(n * factor);
  }
}
