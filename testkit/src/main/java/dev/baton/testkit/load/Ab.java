package dev.baton.testkit.load;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ApacheBench ({@code ab}, Debian {@code apache2-utils}), as the start_server article ran it:
 * {@code ab -r -n N -c C [-k] URL}. {@code -r}: a receive error does not end the run, it is counted.
 */
public final class Ab {

  public static final String[] CATEGORIES = {"connect", "receive", "length", "exceptions"};

  private static final Pattern FAILED = Pattern.compile(
      "Failed requests:\\s+(\\d+)(?:\\s*\\(Connect: (\\d+), Receive: (\\d+), Length: (\\d+), Exceptions: (\\d+)\\))?");
  private static final Pattern PERCENT = Pattern.compile("^\\s*(\\d+)%\\s+(\\d+)", Pattern.MULTILINE);

  private Ab() {}

  public static boolean installed() {
    return ExternalTool.onPath("ab");
  }

  public static LoadResult run(String url, long requests, int concurrency, boolean keepAlive, long timeoutSeconds) {
    return run(url, requests, concurrency, keepAlive, 0, timeoutSeconds);
  }

  /**
   * @param maxSeconds stop after this long even if fewer than {@code requests} were sent (ab's {@code -t},
   *     given before {@code -n} so that {@code -n} still counts); 0 = no limit
   */
  public static LoadResult run(String url, long requests, int concurrency, boolean keepAlive, int maxSeconds,
      long timeoutSeconds) {
    String output = ExternalTool.run(command(url, requests, concurrency, keepAlive, maxSeconds), timeoutSeconds);
    return parse(output, keepAlive);
  }

  /** ab started and left to run, for a test that does something meanwhile; {@link #parse} reads its output. */
  public static ExternalTool.Running start(String url, long requests, int concurrency, boolean keepAlive) {
    return ExternalTool.start(command(url, requests, concurrency, keepAlive, 0));
  }

  /** What a run of {@code ab} (with {@code -k} or not) printed. */
  public static LoadResult parse(String output, boolean keepAlive) {
    return parse(output, keepAlive ? "ab -k" : "ab");
  }

  private static List<String> command(String url, long requests, int concurrency, boolean keepAlive, int maxSeconds) {
    List<String> command = new ArrayList<>(List.of("ab", "-r", "-q"));
    if (maxSeconds > 0) {
      command.addAll(List.of("-t", Integer.toString(maxSeconds)));
    }
    command.addAll(List.of("-n", Long.toString(requests), "-c", Integer.toString(concurrency), "-s", "60"));
    if (keepAlive) {
      command.add("-k");
    }
    command.add(url);
    return command;
  }

  static LoadResult parse(String output, String tool) {
    long complete = number(output, "Complete requests:\\s+(\\d+)", tool);
    Matcher failed = FAILED.matcher(output);
    if (!failed.find()) {
      throw ExternalTool.unreadable(tool, output, "Failed requests");
    }
    Map<String, Long> failedBy = new LinkedHashMap<>();
    for (int i = 0; i < CATEGORIES.length; i++) {
      String value = failed.group(i + 2);
      failedBy.put(CATEGORIES[i], value == null ? 0 : Long.parseLong(value));
    }
    long non2xx = optional(output, "Non-2xx responses:\\s+(\\d+)");
    double seconds = Double.parseDouble(text(output, "Time taken for tests:\\s+([0-9.]+) seconds", tool));
    Map<Integer, Double> percentiles = new TreeMap<>();
    Matcher percent = PERCENT.matcher(output.substring(Math.max(0, output.indexOf("Percentage of the requests"))));
    while (percent.find()) {
      percentiles.put(Integer.parseInt(percent.group(1)), Double.parseDouble(percent.group(2)));
    }
    return new LoadResult(tool, complete, Long.parseLong(failed.group(1)), failedBy, non2xx, seconds,
        percentiles.getOrDefault(50, 0.0), percentiles.getOrDefault(99, 0.0), percentiles.getOrDefault(100, 0.0),
        new TreeMap<>());
  }

  private static long number(String output, String regex, String tool) {
    return Long.parseLong(text(output, regex, tool));
  }

  private static long optional(String output, String regex) {
    Matcher m = Pattern.compile(regex).matcher(output);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private static String text(String output, String regex, String tool) {
    Matcher m = Pattern.compile(regex).matcher(output);
    if (!m.find()) {
      throw ExternalTool.unreadable(tool, output, regex);
    }
    return m.group(1);
  }
}
