package dev.baton.e2e.bench;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * What one reload costs, for one worker setup, client and HUP period: the row of the benchmark's
 * headline table (issue 18's).
 *
 * @param rpsWithout requests/s of the same load without HUPs
 * @param rpsWith requests/s with a HUP every period
 * @param reloads reloads completed during the run with HUPs
 * @param lostSeconds full-rate time lost per reload ({@link #lostSecondsPerReload})
 * @param cpuIdle CPU-seconds of a generation at light traffic (mean over the idle reloads' generations)
 * @param cpuUnderLoad CPU-seconds of a generation started during the run with HUPs, start to exit (mean)
 * @param extraCpu container CPU-seconds per reload beyond the same load without HUPs
 *     ({@link #extraCpuSecondsPerReload})
 * @param readyIdle HUP to new generation ready at light traffic, median ms
 * @param readyUnderLoad the same during the run with HUPs
 * @param goneIdle HUP to the old generation gone at light traffic, median ms
 * @param goneUnderLoad the same during the run with HUPs
 * @param peakRssKb the highest RSS of the supervisor and every live generation together in the run with HUPs
 * @param p99Without p99 latency without HUPs, ms
 * @param p99With p99 latency with HUPs, ms
 * @param failed failed requests (and non-2xx answers) of both runs
 */
record PerReload(WorkerSetup setup, String client, double period, double rpsWithout, double rpsWith, int reloads,
    double lostSeconds, double cpuIdle, double cpuUnderLoad, double extraCpu, long readyIdle, long readyUnderLoad,
    long goneIdle, long goneUnderLoad, long peakRssKb, double p99Without, double p99With, long failed) {

  static PerReload of(ReloadUnderLoad.WorkerRun run, Phase with, Phase without) {
    int reloads = with.reloadsCompleted();
    return new PerReload(run.setup(), with.client(), with.hupPeriod(), without.load().requestsPerSecond(),
        with.load().requestsPerSecond(), reloads,
        lostSecondsPerReload(with.load().complete(), with.load().requestsPerSecond(), without.load().requestsPerSecond(), reloads),
        mean(run.idleGenerations().stream().map(ContainerSampler.Generation::cpuSeconds).toList()),
        mean(with.generationCpuSeconds()),
        extraCpuSecondsPerReload(with.containerCpuSeconds(), with.load().complete(), without.containerCpuSeconds(),
            without.load().complete(), reloads),
        median(run.idleReloads(), ReloadTiming::hupToReadyMillis), median(with.underLoad(), ReloadTiming::hupToReadyMillis),
        median(run.idleReloads(), ReloadTiming::hupToOldGoneMillis), median(with.underLoad(), ReloadTiming::hupToOldGoneMillis),
        with.peakRssKb(), without.load().p99Millis(), with.load().p99Millis(),
        with.load().failed() + with.load().non2xx() + without.load().failed() + without.load().non2xx());
  }

  /**
   * Full-rate time lost per reload: how much longer the answered requests took with HUPs than the same
   * number takes at the rate without, over the reloads. With equal load sizes this is (time with HUPs −
   * time without) / reloads; an ab run cut short by its time limit answered fewer, hence the rates.
   */
  static double lostSecondsPerReload(long completeWith, double rpsWith, double rpsWithout, int reloads) {
    if (reloads <= 0 || rpsWith <= 0 || rpsWithout <= 0) {
      return Double.NaN;
    }
    return completeWith * (1 / rpsWith - 1 / rpsWithout) / reloads;
  }

  /**
   * Container CPU per reload beyond serving: the CPU of the run with HUPs minus the CPU the run without
   * spent on as many requests, over the reloads.
   */
  static double extraCpuSecondsPerReload(double cpuWith, long completeWith, double cpuWithout, long completeWithout,
      int reloads) {
    if (reloads <= 0 || completeWithout <= 0 || cpuWith < 0 || cpuWithout < 0) {
      return Double.NaN;
    }
    return (cpuWith - cpuWithout * completeWith / completeWithout) / reloads;
  }

  static double mean(List<Double> values) {
    return values.isEmpty() ? Double.NaN : values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  static <T> long median(List<T> items, ToLongFunction<T> value) {
    long[] v = items.stream().mapToLong(value).filter(x -> x >= 0).sorted().toArray();
    return v.length == 0 ? -1 : v[v.length / 2];
  }
}
