package dev.baton.e2e.timeline;

import dev.baton.testkit.load.Latencies;
import dev.baton.testkit.load.RequestLog;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the timeline picture shows of one load run, in seconds from its start: requests answered per
 * second and the 99th percentile of their latency in fixed buckets (100 ms), by the time each request
 * ended, and by the generation that answered; failed requests per bucket; each generation's life (starting: spawn to ready, serving: ready to
 * its signal, draining: signal to exit); the HUPs.
 *
 * @param seconds the run's length
 * @param buckets one per {@code bucketSeconds}, from 0
 * @param bands the generations alive at some point of the run
 * @param hups when each HUP was sent
 * @param answered requests answered in the run
 * @param failed requests failed in the run (non-2xx answers included)
 */
public record Timeline(String title, double seconds, double bucketSeconds, List<Bucket> buckets, List<Band> bands,
    List<Double> hups, long answered, long failed) {

  /**
   * @param rps requests answered in the bucket, per second
   * @param p99Millis the 99th percentile latency of those (0 if none)
   * @param failed requests that failed (or were answered non-2xx) in the bucket
   * @param rpsByGeneration {@code rps} by the generation that answered (-1: not said), in generation order
   */
  public record Bucket(double startSeconds, double rps, double p99Millis, int failed, SortedMap<Integer, Double> rpsByGeneration) {

    public Bucket {
      rpsByGeneration = Collections.unmodifiableSortedMap(new TreeMap<>(rpsByGeneration));
    }
  }

  /** A generation's life; {@code NaN} where not seen (before the run, or not yet). */
  public record Band(int generation, long pid, double spawn, double ready, double signal, double exit) {}

  /**
   * The timeline of {@code [fromMillis, toMillis)}.
   *
   * @param requests what the client recorded ({@link RequestLog#requests()})
   * @param lives what the supervisor printed ({@link GenerationLives#read})
   * @param hupMillis when each HUP was sent
   */
  public static Timeline of(String title, long fromMillis, long toMillis, long bucketMillis,
      List<RequestLog.Request> requests, List<GenerationLives.Life> lives, List<Long> hupMillis) {
    int n = (int) Math.max(1, (toMillis - fromMillis + bucketMillis - 1) / bucketMillis);
    int[] answered = new int[n];
    int[] failed = new int[n];
    List<List<Integer>> latencies = new ArrayList<>();
    List<SortedMap<Integer, Double>> byGeneration = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      latencies.add(new ArrayList<>());
      byGeneration.add(new TreeMap<>());
    }
    long answeredTotal = 0;
    long failedTotal = 0;
    for (RequestLog.Request r : requests) {
      long endMillis = r.endMicros() / 1000;
      if (endMillis < fromMillis || endMillis >= toMillis) {
        continue;
      }
      int bucket = (int) ((endMillis - fromMillis) / bucketMillis);
      if (r.outcome() == RequestLog.Outcome.OK) {
        answered[bucket]++;
        answeredTotal++;
        latencies.get(bucket).add((int) Math.min(Integer.MAX_VALUE, r.latencyMicros()));
        byGeneration.get(bucket).merge(r.generation(), 1000.0 / bucketMillis, Double::sum);
      } else {
        failed[bucket]++;
        failedTotal++;
      }
    }
    List<Bucket> buckets = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int[] sorted = latencies.get(i).stream().mapToInt(Integer::intValue).toArray();
      Arrays.sort(sorted);
      buckets.add(new Bucket(i * bucketMillis / 1000.0, answered[i] * 1000.0 / bucketMillis,
          Latencies.percentileMillis(sorted, 99), failed[i], byGeneration.get(i)));
    }
    List<Band> bands = new ArrayList<>();
    for (GenerationLives.Life life : lives) {
      boolean startsBeforeEnd = life.spawnMillis() < toMillis;
      boolean endsAfterStart = life.exitMillis() < 0 || life.exitMillis() > fromMillis;
      if (startsBeforeEnd && endsAfterStart) {
        bands.add(new Band(life.generation(), life.pid(), at(life.spawnMillis(), fromMillis),
            at(life.readyMillis(), fromMillis), at(life.signalMillis(), fromMillis), at(life.exitMillis(), fromMillis)));
      }
    }
    List<Double> hups = hupMillis.stream().filter(h -> h >= fromMillis && h < toMillis)
        .map(h -> (h - fromMillis) / 1000.0).toList();
    return new Timeline(title, (toMillis - fromMillis) / 1000.0, bucketMillis / 1000.0, buckets, bands, hups,
        answeredTotal, failedTotal);
  }

  /**
   * The picture's data as tab-separated text in three blocks, for gnuplot ({@code index 0, 1, 2}) or a
   * spreadsheet: the buckets, the generations, the HUPs.
   */
  public String tsv() {
    StringBuilder out = new StringBuilder();
    out.append("# ").append(title).append('\n');
    out.append("# t_s\trequests_per_s\tp99_ms\tfailed\n");
    for (Bucket b : buckets) {
      out.append(String.format(Locale.ROOT, "%.3f\t%.0f\t%.1f\t%d%n", b.startSeconds(), b.rps(), b.p99Millis(), b.failed()));
    }
    out.append("\n\n# generation\tpid\tspawn_s\tready_s\tsignal_s\texit_s (NaN: not in the run)\n");
    for (Band b : bands) {
      out.append(String.format(Locale.ROOT, "%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f%n", b.generation(), b.pid(), b.spawn(),
          b.ready(), b.signal(), b.exit()));
    }
    out.append("\n\n# hup_s\n");
    hups.forEach(h -> out.append(String.format(Locale.ROOT, "%.3f%n", h)));
    return out.toString();
  }

  private static double at(long millis, long fromMillis) {
    return millis < 0 ? Double.NaN : (millis - fromMillis) / 1000.0;
  }
}
