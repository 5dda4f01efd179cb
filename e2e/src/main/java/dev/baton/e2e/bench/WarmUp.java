package dev.baton.e2e.bench;

import dev.baton.testkit.load.Latencies;
import dev.baton.testkit.load.RequestLog;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How long a new generation takes to answer as fast as it will: the latency of each generation's first
 * {@code first} answers against its later ones, from a recorded run. The measurement side of a "ready
 * after N requests served" readiness (issue 18's handover lever): if the first few hundred answers of a
 * fresh JVM are slow, letting it say READY=1 only after them (while the warm old generation, not yet
 * retired, still accepts beside it) would move that cost off the clients.
 *
 * @param generations generations that answered at least twice {@code first}
 * @param firstP99Millis median over those generations of the p99 of their first answers
 * @param laterP99Millis median of the p99 of their later answers
 * @param firstP50Millis the same at p50
 * @param laterP50Millis the same at p50
 */
record WarmUp(int first, int generations, double firstP99Millis, double laterP99Millis, double firstP50Millis,
    double laterP50Millis) {

  /** Over every generation but the first seen (which started before the run, already warm or not). */
  static WarmUp of(List<RequestLog.Request> requests, int first) {
    Map<Integer, List<Integer>> byGeneration = new TreeMap<>();
    requests.stream().filter(r -> r.outcome() == RequestLog.Outcome.OK && r.generation() >= 0)
        .sorted((a, b) -> Long.compare(a.endMicros(), b.endMicros()))
        .forEach(r -> byGeneration.computeIfAbsent(r.generation(), g -> new ArrayList<>())
            .add((int) Math.min(Integer.MAX_VALUE, r.latencyMicros())));
    List<double[]> figures = new ArrayList<>();
    boolean firstSeen = true;
    for (List<Integer> latencies : byGeneration.values()) {
      if (firstSeen) {
        firstSeen = false;
        continue;
      }
      if (latencies.size() < 2 * first) {
        continue;
      }
      int[] early = sorted(latencies.subList(0, first));
      int[] later = sorted(latencies.subList(first, latencies.size()));
      figures.add(new double[] {Latencies.percentileMillis(early, 99), Latencies.percentileMillis(later, 99),
          Latencies.percentileMillis(early, 50), Latencies.percentileMillis(later, 50)});
    }
    return new WarmUp(first, figures.size(), median(figures, 0), median(figures, 1), median(figures, 2), median(figures, 3));
  }

  private static int[] sorted(List<Integer> values) {
    int[] a = values.stream().mapToInt(Integer::intValue).toArray();
    Arrays.sort(a);
    return a;
  }

  private static double median(List<double[]> figures, int column) {
    double[] v = figures.stream().mapToDouble(f -> f[column]).sorted().toArray();
    return v.length == 0 ? Double.NaN : v[v.length / 2];
  }
}
