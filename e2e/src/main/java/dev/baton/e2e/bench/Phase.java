package dev.baton.e2e.bench;

import dev.baton.testkit.load.LoadResult;
import java.nio.file.Path;
import java.util.List;

/**
 * One load run against one supervised server.
 *
 * @param client ab, ab-k, wrk, java or java-k
 * @param hupPeriod seconds between HUPs, 0 for none
 * @param pictureOnly a run made only to draw the timeline (the java client beside ab's runs)
 * @param load what the client measured
 * @param hupsSent HUPs sent during the run
 * @param reloadsCompleted reloads that got to "new worker is now running" during the run
 * @param supervisor the supervisor's CPU and RSS during the run
 * @param startMillis when the load started
 * @param endMillis when it ended
 * @param containerCpuSeconds CPU of the supervisor and all generations during the run
 * @param peakRssKb the highest RSS of the supervisor and all live generations together
 * @param generations each generation started during the run, its CPU complete, start to exit (known once
 *     the reloads have settled)
 * @param underLoad HUP to ready and to old generations gone, per reload of the run (from the lines)
 * @param timeline the picture and its numbers, if drawn
 * @param warmUp new generations' first answers against their later ones (java clients only), or null
 */
record Phase(String client, double hupPeriod, boolean pictureOnly, LoadResult load, int hupsSent, int reloadsCompleted,
    CostSampler.Cost supervisor, long startMillis, long endMillis, double containerCpuSeconds, long peakRssKb,
    List<ContainerSampler.Generation> generations, List<ReloadTiming> underLoad, List<Path> timeline, WarmUp warmUp) {

  boolean withReloads() {
    return hupPeriod > 0;
  }

  /** CPU-seconds of each generation started during the run. */
  List<Double> generationCpuSeconds() {
    return generations.stream().map(ContainerSampler.Generation::cpuSeconds).toList();
  }

  Phase settled(List<ContainerSampler.Generation> generations, List<ReloadTiming> underLoad, List<Path> timeline, WarmUp warmUp) {
    return new Phase(client, hupPeriod, pictureOnly, load, hupsSent, reloadsCompleted, supervisor, startMillis, endMillis,
        containerCpuSeconds, peakRssKb, List.copyOf(generations), List.copyOf(underLoad), List.copyOf(timeline),
        warmUp);
  }
}
