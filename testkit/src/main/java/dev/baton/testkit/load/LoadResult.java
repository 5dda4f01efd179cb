package dev.baton.testkit.load;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one load run measured, whatever the tool ({@code ab}, {@code wrk}, {@link HttpLoad}).
 *
 * @param tool the client and its mode, e.g. {@code ab -k}
 * @param complete requests answered (ab's "Complete requests")
 * @param failed failed requests, the sum of {@code failedBy}
 * @param failedBy failures in the tool's own categories (ab: connect, receive, length, exceptions; wrk:
 *     connect, read, write, timeout)
 * @param non2xx answers with a status outside 2xx (not counted as failed, as ab does)
 * @param seconds how long the run took
 * @param p50Millis median latency
 * @param p99Millis 99th percentile latency
 * @param maxMillis the slowest request
 * @param generations requests per worker generation (only {@link HttpLoad} reads the bodies; empty
 *     otherwise)
 */
public record LoadResult(String tool, long complete, long failed, Map<String, Long> failedBy, long non2xx,
    double seconds, double p50Millis, double p99Millis, double maxMillis, SortedMap<Integer, Long> generations) {

  public LoadResult {
    failedBy = Map.copyOf(failedBy);
    generations = new TreeMap<>(generations);
  }

  public double requestsPerSecond() {
    return seconds <= 0 ? 0 : complete / seconds;
  }

  /** {@code connect 0, receive 0, length 0, exceptions 0}, in the tool's order. */
  public String failedByText(String... order) {
    StringBuilder text = new StringBuilder();
    for (String key : order) {
      if (text.length() > 0) {
        text.append(", ");
      }
      text.append(key).append(' ').append(failedBy.getOrDefault(key, 0L));
    }
    return text.toString();
  }

  /** Generations that served at least {@code minimum} requests. */
  public long generationsServing(long minimum) {
    return generations.values().stream().filter(n -> n >= minimum).count();
  }
}
