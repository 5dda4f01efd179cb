package dev.baton.testkit.load;

import java.util.Arrays;

/** Request latencies in microseconds, one instance per client thread, merged at the end. */
public final class Latencies {

  private int[] micros = new int[1024];
  private int size;

  void add(long nanos) {
    if (size == micros.length) {
      micros = Arrays.copyOf(micros, size * 2);
    }
    micros[size++] = (int) Math.min(Integer.MAX_VALUE, nanos / 1000);
  }

  static int[] merge(Iterable<Latencies> all) {
    int total = 0;
    for (Latencies l : all) {
      total += l.size;
    }
    int[] merged = new int[total];
    int at = 0;
    for (Latencies l : all) {
      System.arraycopy(l.micros, 0, merged, at, l.size);
      at += l.size;
    }
    Arrays.sort(merged);
    return merged;
  }

  /** The {@code p}th percentile of sorted microseconds, in milliseconds. */
  public static double percentileMillis(int[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1000.0;
  }
}
