package dev.baton.testkit.load;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code wrk -t2 -c C -d Ds --latency URL} (Debian {@code wrk}): keep-alive connections, a fixed duration
 * instead of a number of requests. Its socket errors are connect, read, write and timeout.
 */
public final class Wrk {

  public static final String[] CATEGORIES = {"connect", "read", "write", "timeout"};

  private static final Pattern ERRORS = Pattern.compile(
      "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
  private static final Pattern VALUE = Pattern.compile("([0-9.]+)(us|ms|s|m)");

  private Wrk() {}

  public static boolean installed() {
    return ExternalTool.onPath("wrk");
  }

  public static LoadResult run(String url, int concurrency, int seconds, int threads) {
    List<String> command = List.of("wrk", "-t" + threads, "-c" + concurrency, "-d" + seconds + "s",
        "--timeout", "30s", "--latency", url);
    return parse(ExternalTool.run(command, seconds + 120L));
  }

  static LoadResult parse(String output) {
    Map<String, Long> failedBy = new LinkedHashMap<>();
    Matcher errors = ERRORS.matcher(output);
    boolean any = errors.find();
    for (int i = 0; i < CATEGORIES.length; i++) {
      failedBy.put(CATEGORIES[i], any ? Long.parseLong(errors.group(i + 1)) : 0);
    }
    Matcher total = Pattern.compile("(\\d+) requests in ([0-9.]+)(us|ms|s|m)").matcher(output);
    if (!total.find()) {
      throw ExternalTool.unreadable("wrk", output, "the request count");
    }
    long complete = Long.parseLong(total.group(1));
    double seconds = millis(total.group(2), total.group(3)) / 1000.0;
    Matcher non2xx = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(output);
    Matcher latency = Pattern.compile("Latency\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)").matcher(output);
    double max = latency.find() ? millis(latency.group(3)) : 0;
    return new LoadResult("wrk", complete, failedBy.values().stream().mapToLong(Long::longValue).sum(), failedBy,
        non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0, seconds, percentile(output, 50),
        percentile(output, 99), max, new TreeMap<>());
  }

  private static double percentile(String output, int p) {
    Matcher m = Pattern.compile("^\\s+" + p + "%\\s+(\\S+)", Pattern.MULTILINE).matcher(output);
    return m.find() ? millis(m.group(1)) : 0;
  }

  private static double millis(String text) {
    Matcher m = VALUE.matcher(text);
    return m.matches() ? millis(m.group(1), m.group(2)) : 0;
  }

  private static double millis(String number, String unit) {
    double value = Double.parseDouble(number);
    return switch (unit.toLowerCase(Locale.ROOT)) {
      case "us" -> value / 1000;
      case "ms" -> value;
      case "s" -> value * 1000;
      case "m" -> value * 60_000;
      default -> value;
    };
  }
}
