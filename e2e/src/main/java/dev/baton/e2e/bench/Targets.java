package dev.baton.e2e.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The report's reading of its own rows against issue 18's targets, so that a run says by how much a target
 * is met or missed instead of leaving the arithmetic to its reader: 0 failed requests; at most
 * {@value #LOST_SECONDS} s of full-rate time lost per reload with a HUP every second; a throughput ratio of at
 * least {@value #RATIO} with a HUP every 10 s or rarer; a class-data cache that at least halves a generation's
 * CPU under load against the same setup without it, in the same run. Rows with fewer than
 * {@value #FEWEST_RELOADS} reloads are read but marked: one or two reloads are one dip, not a rate.
 */
final class Targets {
  static final double LOST_SECONDS = 0.25;
  static final double RATIO = 0.975;
  static final double CACHE_CPU_SHARE = 0.5;
  static final int FEWEST_RELOADS = 3;

  private Targets() {}

  /** One line of the verdict table. */
  record Verdict(String target, String setup, String measured, boolean met, String note) {}

  static List<Verdict> read(List<PerReload> rows) {
    List<Verdict> verdicts = new ArrayList<>();
    long failed = rows.stream().mapToLong(PerReload::failed).sum();
    verdicts.add(new Verdict("0 failed", "every row", failed + " failed", failed == 0, ""));
    for (PerReload r : rows) {
      if (!r.setup().kind().jvm()) {
        continue;
      }
      if (r.period() <= 1 && !Double.isNaN(r.lostSeconds())) {
        boolean met = r.lostSeconds() <= LOST_SECONDS;
        verdicts.add(new Verdict("≤ " + LOST_SECONDS + " s lost per reload, HUP every 1 s", setup(r),
            String.format(Locale.ROOT, "%.3f s", r.lostSeconds()), met,
            note(met ? "" : String.format(Locale.ROOT, "over by %.3f s (%.1f×)", r.lostSeconds() - LOST_SECONDS,
                r.lostSeconds() / LOST_SECONDS), few(r))));
      }
      if (r.period() >= 10 && r.rpsWithout() > 0) {
        double ratio = r.rpsWith() / r.rpsWithout();
        boolean met = ratio >= RATIO;
        verdicts.add(new Verdict("ratio ≥ " + RATIO + ", HUP every ≥ 10 s", setup(r),
            String.format(Locale.ROOT, "%.3f", ratio), met,
            note(met ? "" : String.format(Locale.ROOT, "short by %.3f", RATIO - ratio), few(r))));
      }
    }
    for (PerReload cached : rows) {
      if (!cached.setup().kind().jvm() || cached.setup().cache() == AgentCost.Cache.NONE) {
        continue;
      }
      rows.stream().filter(plain -> plain.setup().cache() == AgentCost.Cache.NONE && sameBut(plain, cached)).findFirst()
          .filter(plain -> plain.cpuUnderLoad() > 0 && !Double.isNaN(cached.cpuUnderLoad()))
          .ifPresent(plain -> {
            double share = cached.cpuUnderLoad() / plain.cpuUnderLoad();
            boolean met = share <= CACHE_CPU_SHARE;
            verdicts.add(new Verdict("the cache halves CPU-s per generation under load", setup(cached),
                String.format(Locale.ROOT, "%.2f s with, %.2f s without: ×%.2f", cached.cpuUnderLoad(),
                    plain.cpuUnderLoad(), share), met,
                met ? "" : String.format(Locale.ROOT, "%.1f× the target share", share / CACHE_CPU_SHARE)));
          });
    }
    return verdicts;
  }

  /** The targets are for 1,000 concurrent connections, as the start_server article's benchmark. */
  static final int CONCURRENCY = 1000;

  static void markdown(StringBuilder md, List<PerReload> rows, int concurrency) {
    List<Verdict> verdicts = read(rows);
    md.append("## Against issue 18's targets\n\n");
    if (concurrency != CONCURRENCY) {
      md.append("This run used `-c ").append(concurrency).append("`; the targets are set at `-c ").append(CONCURRENCY)
          .append("`, so these verdicts are only indicative.\n\n");
    }
    md.append("| target | setup | measured | verdict |\n|---|---|---:|---|\n");
    for (Verdict v : verdicts) {
      md.append("| ").append(v.target()).append(" | ").append(v.setup()).append(" | ").append(v.measured()).append(" | ")
          .append(v.met() ? "met" : "**missed**").append(v.note().isEmpty() ? "" : ": " + v.note()).append(" |\n");
    }
    md.append("\nFrom the first table's rows (JVM workers; the Go worker is the floor, not a target). Where a target"
        + " is missed, the next table says where a generation's CPU goes.\n\n");
  }

  private static boolean sameBut(PerReload a, PerReload b) {
    WorkerSetup x = a.setup();
    WorkerSetup y = b.setup();
    return x.kind() == y.kind() && Objects.equals(x.jdk(), y.jdk()) && x.jvmArgs().equals(y.jvmArgs())
        && Objects.equals(x.killOldDelay(), y.killOldDelay()) && Objects.equals(x.warmUp(), y.warmUp())
        && a.client().equals(b.client()) && a.period() == b.period();
  }

  private static String setup(PerReload r) {
    return r.setup().fullName() + ", " + Report.client(r.client())
        + (r.period() <= 1 ? "" : ", HUP every " + WorkerSetup.seconds(r.period()) + " s");
  }

  private static String few(PerReload r) {
    return r.reloads() < FEWEST_RELOADS
        ? r.reloads() + " reload" + (r.reloads() == 1 ? "" : "s") + " in the run: too few to tell" : "";
  }

  private static String note(String a, String b) {
    return a.isEmpty() ? b : b.isEmpty() ? a : a + "; " + b;
  }
}
