package dev.baton.operator.reconcile;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go-style durations as Kubernetes users write them: "90s", "2m", "1m30s", "500ms", "1h". Read exactly (to the
 * nanosecond) and within Go's range, as the CRD's CEL {@code duration()} reads them, so both agree on every value.
 */
public final class Durations {
  private static final Pattern WHOLE = Pattern.compile("(\\d+(?:\\.\\d+)?(?:ms|s|m|h))+");
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");
  /** Go's time.Duration is an int64 of nanoseconds: longer is not a duration there (about 292 years). */
  private static final BigDecimal MAX_NANOS = new BigDecimal(BigInteger.valueOf(Long.MAX_VALUE));

  private Durations() {}

  /** The duration, or null when {@code text} is not one (negative durations, and those past Go's range, are not). */
  public static Duration parse(String text) {
    String t = text.strip();
    if (!WHOLE.matcher(t).matches()) {
      return null;
    }
    BigDecimal nanos = BigDecimal.ZERO;
    Matcher m = PART.matcher(t);
    while (m.find()) {
      long unit = switch (m.group(2)) {
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        default -> 3_600_000_000_000L;
      };
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)));
    }
    if (nanos.compareTo(MAX_NANOS) > 0) {
      return null;
    }
    return Duration.ofNanos(nanos.toBigInteger().longValueExact());
  }

  /** "150s", or "2500ms" when not whole seconds: what both Go and baton read. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }
}
