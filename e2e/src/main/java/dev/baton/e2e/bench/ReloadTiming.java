package dev.baton.e2e.bench;

import dev.baton.e2e.server.SupervisedServer;
import dev.baton.e2e.timeline.GenerationLives;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.process.StartedProcess.Line;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One reload at low traffic, timed from the supervisor's own lines (baton prints start_server's) and
 * the responses: HUP to "new worker is now running" (the new generation is ready), HUP to the status
 * file listing one worker again (the old generation is gone), and "starting new worker" to the first
 * response read from the new generation (the new process's time to first response).
 *
 * @param hupToReadyMillis HUP to the new generation ready (-1 if not seen)
 * @param hupToOldGoneMillis HUP to the old generation gone
 * @param spawnToFirstResponseMillis new worker spawned to its first response read
 */
record ReloadTiming(long hupToReadyMillis, long hupToOldGoneMillis, long spawnToFirstResponseMillis) {

  static final String STARTING = "starting new worker";
  static final String READY = "new worker is now running";

  /** HUPs {@code server} while a light load (10 clients) runs, and times the reload. */
  static ReloadTiming measure(SupervisedServer server, Duration timeout) throws InterruptedException {
    HttpLoad load = HttpLoad.start(HttpLoad.Options.of(server.port(), 10, 0, false));
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (load.generations().isEmpty()) {
        check(deadline, "no answer before the reload");
        Thread.sleep(5);
      }
      int before = load.generations().keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
      long hup = System.currentTimeMillis();
      server.hup();
      Long first = null;
      while (first == null) {
        check(deadline, "no answer from a generation after " + before);
        first = load.firstAnswerMillis().entrySet().stream().filter(e -> e.getKey() > before)
            .map(java.util.Map.Entry::getValue).findFirst().orElse(null);
        Thread.sleep(2);
      }
      // The status file lists the old generation alone until the new one is spawned (Perl writes it
      // only after --interval): "gone" is one line left, and of a newer generation.
      while (!onlyNewerThan(server.statusLines(), before)) {
        check(deadline, "the old generation did not exit");
        Thread.sleep(5);
      }
      long gone = System.currentTimeMillis();
      Thread.sleep(50); // let the output reader catch up with the supervisor's last lines
      List<Line> spawned = server.process().lines(hup, l -> l.contains(STARTING));
      List<Line> ready = server.process().lines(hup, l -> l.contains(READY));
      return new ReloadTiming(ready.isEmpty() ? -1 : ready.get(0).atMillis() - hup, gone - hup,
          spawned.isEmpty() ? -1 : first - spawned.get(0).atMillis());
    } finally {
      load.stop();
      load.await(Duration.ofSeconds(30));
    }
  }

  /**
   * The reloads of a run under load, from the generations' lives: HUP (the last one sent before the new
   * generation was spawned; HUPs during a start are coalesced) to the new generation ready, and to every
   * older generation alive at that moment gone. Generations spawned in {@code [from, to)}; a time not
   * known is -1.
   */
  static List<ReloadTiming> underLoad(List<GenerationLives.Life> lives, List<Long> hups, long fromMillis, long toMillis) {
    List<ReloadTiming> timings = new ArrayList<>();
    for (GenerationLives.Life g : lives) {
      if (g.spawnMillis() < fromMillis || g.spawnMillis() >= toMillis || g.readyMillis() < 0) {
        continue;
      }
      long hup = hups.stream().filter(h -> h <= g.spawnMillis()).mapToLong(Long::longValue).max().orElse(-1);
      if (hup < 0 || hup < fromMillis) {
        continue;
      }
      long gone = -1;
      boolean allKnown = true;
      for (GenerationLives.Life old : lives) {
        boolean olderAndAlive = old.spawnMillis() < g.spawnMillis() && (old.exitMillis() < 0 || old.exitMillis() > g.readyMillis());
        if (olderAndAlive) {
          allKnown &= old.exitMillis() >= 0;
          gone = Math.max(gone, old.exitMillis());
        }
      }
      timings.add(new ReloadTiming(g.readyMillis() - hup, allKnown && gone >= 0 ? gone - hup : -1, -1));
    }
    return timings;
  }

  static boolean onlyNewerThan(List<String> statusLines, int generation) {
    if (statusLines.size() != 1) {
      return false;
    }
    String line = statusLines.get(0);
    try {
      return Integer.parseInt(line.substring(0, line.indexOf(':')).trim()) > generation;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static void check(long deadline, String what) {
    if (System.nanoTime() > deadline) {
      throw new IllegalStateException("reload timing: " + what);
    }
  }
}
