package dev.baton.operator.reconcile;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go-style durations as Kubernetes users write them: "90s", "2m", "1m30s", "500ms", "1h". */
public final class Durations {
  private static final Pattern WHOLE = Pattern.compile("(\\d+(?:\\.\\d+)?(?:ms|s|m|h))+");
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

  private Durations() {}

  /** The duration, or null when {@code text} is not one (negative durations are not). */
  public static Duration parse(String text) {
    String t = text.strip();
    if (!WHOLE.matcher(t).matches()) {
      return null;
    }
    double millis = 0;
    Matcher m = PART.matcher(t);
    while (m.find()) {
      double v = Double.parseDouble(m.group(1));
      millis += switch (m.group(2)) {
        case "ms" -> v;
        case "s" -> v * 1000;
        case "m" -> v * 60_000;
        default -> v * 3_600_000;
      };
    }
    return Duration.ofMillis(Math.round(millis));
  }
}
