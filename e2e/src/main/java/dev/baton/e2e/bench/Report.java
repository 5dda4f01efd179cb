package dev.baton.e2e.bench;

import dev.baton.e2e.control.Reload;
import dev.baton.testkit.load.Ab;
import dev.baton.testkit.load.LoadResult;
import dev.baton.testkit.load.Wrk;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;

/** The benchmark's Markdown: the load table, the supervisor's cost and reload timings, the machine. */
final class Report {

  private Report() {}

  static String markdown(Map<String, String> machine, long n, int c, List<Double> hupPeriods, long sleepMillis,
      int starletWorkers, int wrkSeconds, int maxSeconds, List<ReloadUnderLoad.WorkerRun> runs, Path resultsDir) {
    StringBuilder md = new StringBuilder();
    md.append("# Reload under load\n\n");
    md.append(String.format(Locale.ROOT, "%s. `ab -r -n %d -c %d` (and `wrk -c %d -d %ds`, or the harness's own java"
            + " client, where listed) against a server whose handler sleeps %d ms, while its supervisor gets `kill -HUP`"
            + " every %s s; then the same load without HUPs. JVM workers: `bin/baton --readiness=notify -- java [options]"
            + " -javaagent:agent/target/baton-agent.jar -jar e2e/target/baton-sample.jar` (Spring Boot:"
            + " `-jar spring-sample/target/baton-spring-sample.jar`). Floor: the Go worker `bench/go/sleep.go` under"
            + " `bin/baton`. Reference: Perl `start_server -- plackup -s Starlet --max-workers=%d`."
            + " Made by `bench/reload-under-load`.\n\n",
        ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME.withLocale(Locale.ROOT)).replaceFirst("\\..*", ""),
        n, c, c, wrkSeconds, sleepMillis, String.join(" and ", hupPeriods.stream().map(WorkerSetup::seconds).toList()),
        starletWorkers));

    perReload(md, runs);
    Targets.markdown(md, rows(runs), c);
    cpuBreakdown(md, runs);
    timelines(md, runs, resultsDir);

    md.append("## Requests\n\n");
    md.append("| worker (supervisor) | client | HUPs | complete | req/s | failed | failed by category | non-2xx"
        + " | p50 ms | p99 ms | max ms | reloads done | rps ratio | supervisor CPU | supervisor RSS |\n");
    md.append("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (ReloadUnderLoad.WorkerRun run : runs) {
      for (Phase phase : run.phases()) {
        LoadResult r = phase.load();
        Phase twin = twin(run, phase);
        String ratio = phase.withReloads() && twin != null && twin.load().requestsPerSecond() > 0
            ? String.format(Locale.ROOT, "%.2f", r.requestsPerSecond() / twin.load().requestsPerSecond()) : "";
        md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %.0f | **%d** | %s | %d | %.0f | %.0f | %.0f | %s | %s"
                + " | %.1f %% | %d MB |\n",
            run.setup().fullName(), client(phase.client()) + (phase.pictureOnly() ? " (timeline run)" : ""),
            phase.withReloads() ? phase.hupsSent() + " (every " + WorkerSetup.seconds(phase.hupPeriod()) + " s)" : "none",
            r.complete(), r.requestsPerSecond(), r.failed(),
            r.failedByText(phase.client().equals("wrk") ? Wrk.CATEGORIES : Ab.CATEGORIES), r.non2xx(),
            r.p50Millis(), r.p99Millis(), r.maxMillis(), phase.withReloads() ? Integer.toString(phase.reloadsCompleted()) : "",
            ratio, phase.supervisor().cpuPercent(), ReloadUnderLoad.rssMb(phase.supervisor().maxRssKb())));
      }
    }
    md.append("\n`complete` below -n means the run hit --max-seconds (ab -t " + maxSeconds + ").");
    md.append(" `failed` is the client's count (ab: connect, receive, length, exceptions; wrk: socket errors);"
        + " non-2xx is apart, as ab reports it. `reloads done`: HUPs that got to \"new worker is now running\""
        + " (a HUP while a generation is still starting is coalesced into the next reload). `rps ratio`:"
        + " req/s with reloads / req/s without. Supervisor CPU in % of one core over the run; RSS the highest"
        + " sampled (every 200 ms).\n\n");

    md.append("## Supervisor cost and reload latency\n\n");
    md.append("| worker (supervisor) | idle RSS | idle CPU | HUP → new generation ready (idle) | HUP → old generation"
        + " gone (idle) | spawn → first response of the new process (idle) | HUP → ready under load (baton API)"
        + " | HUP → old gone under load (baton API) |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (ReloadUnderLoad.WorkerRun run : runs) {
      List<ReloadTiming> t = run.idleReloads();
      List<Reload> loaded = run.reloadsUnderLoad().stream().filter(Reload::succeeded).toList();
      md.append(String.format(Locale.ROOT, "| %s | %d MB | %.2f %% | %s | %s | %s | %s | %s |\n", run.setup().fullName(),
          ReloadUnderLoad.rssMb(run.idle().endRssKb()), run.idle().cpuPercent(),
          spread(t, ReloadTiming::hupToReadyMillis), spread(t, ReloadTiming::hupToOldGoneMillis),
          spread(t, ReloadTiming::spawnToFirstResponseMillis),
          run.kind().baton() ? spread(loaded, Reload::readyMillis) : "n/a",
          run.kind().baton() ? spread(loaded, Reload::doneMillis) : "n/a"));
    }
    md.append("\nIdle: a light load of 10 clients, one reload at a time; median (min–max) in ms over the reloads."
        + " Ready = the supervisor's \"new worker is now running\" line (baton: READY=1 from the agent; start_server:"
        + " alive after --interval=1). Old gone = the status file lists one worker again. First response = from"
        + " \"starting new worker\" to the first answer carrying the new generation. Under load: every reload"
        + " baton reported during the runs with HUPs.\n\n");

    md.append("## Machine and versions\n\n| | |\n|---|---|\n");
    machine.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v.replace("\n", " ").replace("|", "/"))
        .append(" |\n"));
    return md.toString();
  }

  /** The headline: what one reload costs, per worker setup, client and HUP period. */
  private static void perReload(StringBuilder md, List<ReloadUnderLoad.WorkerRun> runs) {
    md.append("## What a reload costs\n\n");
    md.append("| worker (supervisor) | JVM | client | HUP every | rps, no HUP | rps, HUPs | ratio | reloads"
        + " | lost full-rate time per reload | CPU-s/generation idle | CPU-s/generation under load"
        + " | extra CPU-s per reload | HUP→ready p50 idle / load | HUP→old gone p50 idle / load | peak RSS"
        + " | p99 no HUP / HUPs | failed |\n");
    md.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (ReloadUnderLoad.WorkerRun run : runs) {
      for (Phase phase : run.phases()) {
        Phase twin = twin(run, phase);
        if (!phase.withReloads() || twin == null) {
          continue;
        }
        PerReload r = PerReload.of(run, phase, twin);
        md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s s | %,.0f | %,.0f | %.2f | %d | %s | %s | %s | %s"
                + " | %s / %s | %s / %s | %d MB | %.0f / %.0f ms | **%d** |\n",
            run.setup().name(), run.setup().jvm(), client(r.client()), WorkerSetup.seconds(r.period()), r.rpsWithout(), r.rpsWith(),
            r.rpsWithout() > 0 ? r.rpsWith() / r.rpsWithout() : 0, r.reloads(), seconds(r.lostSeconds(), 3),
            seconds(r.cpuIdle(), 2), seconds(r.cpuUnderLoad(), 2), seconds(r.extraCpu(), 2),
            duration(r.readyIdle()), duration(r.readyUnderLoad()), duration(r.goneIdle()), duration(r.goneUnderLoad()),
            ReloadUnderLoad.rssMb(r.peakRssKb()), r.p99Without(), r.p99With(), r.failed()));
      }
    }
    md.append("\nLost full-rate time per reload = (time with HUPs − time the same number of requests takes at the rate"
        + " without) / reloads. CPU-s per generation: what each generation's process tree used from spawn to exit"
        + " (`/proc/PID/stat`, complete once it has been reaped), mean over the generations started at light traffic"
        + " (the first and those of the idle reloads) and over those started during the run with HUPs. Extra CPU-s per"
        + " reload: the CPU of supervisor and generations during the run with HUPs, minus what the run without spent on"
        + " as many requests, over the reloads. HUP→ready / old gone: median at light traffic (below) / during the run"
        + " with HUPs (from the supervisor's lines). Peak RSS: supervisor plus every live generation, summed at each"
        + " look (every 50 ms), highest (shared pages count once per process). Failed: both runs, non-2xx included.\n\n");
  }

  /** The first table's rows: each run with HUPs beside the same client's run without. */
  static List<PerReload> rows(List<ReloadUnderLoad.WorkerRun> runs) {
    List<PerReload> rows = new java.util.ArrayList<>();
    for (ReloadUnderLoad.WorkerRun run : runs) {
      for (Phase phase : run.phases()) {
        Phase twin = twin(run, phase);
        if (phase.withReloads() && twin != null) {
          rows.add(PerReload.of(run, phase, twin));
        }
      }
    }
    return rows;
  }

  /** Where a JVM generation's CPU goes, by kind of thread: at light traffic and in each run with HUPs. */
  private static void cpuBreakdown(StringBuilder md, List<ReloadUnderLoad.WorkerRun> runs) {
    List<ReloadUnderLoad.WorkerRun> jvms = runs.stream().filter(r -> r.kind().jvm()).toList();
    if (jvms.isEmpty()) {
      return;
    }
    md.append("## Where a generation's CPU goes\n\n");
    md.append("| worker (supervisor) | JVM | traffic | generations | CPU-s/generation");
    for (ThreadCpu.Kind k : ThreadCpu.Kind.values()) {
      md.append(" | ").append(k.label);
    }
    md.append(" | threads seen / peak |\n|---|---|---|---:|---:");
    md.append("|---:".repeat(ThreadCpu.Kind.values().length)).append("|---:|\n");
    for (ReloadUnderLoad.WorkerRun run : jvms) {
      breakdownRow(md, run, "light traffic", run.idleGenerations());
      for (Phase phase : run.phases()) {
        if (phase.withReloads()) {
          breakdownRow(md, run, client(phase.client()) + ", HUP every " + WorkerSetup.seconds(phase.hupPeriod()) + " s"
              + (phase.pictureOnly() ? " (timeline run)" : ""), phase.generations());
        }
      }
    }
    md.append("\nJVM workers only. Each generation's threads are read every 50 ms while it has at most "
        + ContainerSampler.FEW_THREADS + ", every 250 ms beyond (`/proc/PID/task/TID/stat` for the name, `schedstat`"
        + " for the time on a CPU in ns), and each thread's last figure counts for its kind: main = the launcher's and"
        + " the main thread (HotSpot leaves them the process's name, `java`): class loading, the agent's premain, the"
        + " app's init; agent = `baton-*` threads; C1 / C2 JIT = `C1 CompilerThre` / `C2 CompilerThre`; GC = `GC Thread#N`"
        + " and `G1 *` (the serial collector has no threads: its collections are in the VM Thread); VM Thread ="
        + " safepoint operations; other JVM = `VM Periodic Tas`, `Service Thread`, `Monitor Deflati`, `Finalizer`, …;"
        + " app threads = every other thread (the server's dispatcher, event loops, request executors). Unseen, gone ="
        + " the process's CPU minus its threads' last figures at the last look (the kernel folds an ended thread's CPU"
        + " into its process's): threads that lived between two looks, and the rest of those that ended after a look;"
        + " after the last look = the generation's whole CPU (complete once reaped) minus its process's at the last"
        + " look: its last moments, the exit; the kinds add up to the generation's CPU. Median CPU-s per generation,"
        + " and in brackets each kind's share of the generations' CPU summed; the medians need not add up to the"
        + " median total. Threads seen: distinct threads seen per generation (fewer than it started when some lived"
        + " between two looks); peak: the most alive at"
        + " one look (medians).\n\n");
  }

  private static void breakdownRow(StringBuilder md, ReloadUnderLoad.WorkerRun run, String traffic,
      List<ContainerSampler.Generation> generations) {
    ThreadCpu.Summary s = ThreadCpu.Summary.of(generations.stream().map(ContainerSampler.Generation::threads).toList());
    md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %s", run.setup().name(), run.setup().jvm(), traffic,
        s.generations(), seconds(s.medianTotal(), 2)));
    for (ThreadCpu.Kind k : ThreadCpu.Kind.values()) {
      double share = s.share().get(k);
      md.append(" | ").append(Double.isNaN(s.medianSeconds().get(k)) ? "n/a" : String.format(Locale.ROOT,
          "%.2f (%.0f %%)", s.medianSeconds().get(k), share * 100));
    }
    md.append(s.generations() == 0 ? " | n/a |\n"
        : String.format(Locale.ROOT, " | %d / %d |\n", s.medianThreadsSeen(), s.medianPeakThreads()));
  }

  /** Links to the pictures of the runs with HUPs. */
  private static void timelines(StringBuilder md, List<ReloadUnderLoad.WorkerRun> runs, Path resultsDir) {
    List<String> links = new ArrayList<>();
    for (ReloadUnderLoad.WorkerRun run : runs) {
      for (Phase phase : run.phases()) {
        if (phase.timeline().isEmpty()) {
          continue;
        }
        StringBuilder line = new StringBuilder("- ").append(run.setup().name())
            .append(run.kind().jvm() ? ", " + run.setup().jvm() : "").append(", ").append(client(phase.client()))
            .append(", HUP every ").append(WorkerSetup.seconds(phase.hupPeriod())).append(" s:");
        for (Path file : phase.timeline()) {
          String shown = resultsDir == null ? file.toString() : resultsDir.toAbsolutePath().relativize(file.toAbsolutePath()).toString();
          String ext = shown.substring(shown.lastIndexOf('.') + 1);
          line.append(" [").append(ext).append("](").append(shown).append(')');
        }
        links.add(line.toString());
      }
    }
    if (links.isEmpty()) {
      return;
    }
    md.append("## Timelines\n\nRequests/s and p99 latency per 100 ms, each generation's life (starting, serving,"
        + " draining) and the HUPs, for the runs with HUPs of the java client:\n\n");
    links.forEach(l -> md.append(l).append('\n'));
    md.append("\nA new generation's first answers against its later ones (median over the generations that answered"
        + " at least twice as many; the measurement side of a \"ready after N requests\" readiness):\n\n");
    md.append("| worker (supervisor) | JVM | client | HUP every | generations | first N | p50 first / later | p99 first / later |\n");
    md.append("|---|---|---|---:|---:|---:|---:|---:|\n");
    for (ReloadUnderLoad.WorkerRun run : runs) {
      for (Phase phase : run.phases()) {
        WarmUp w = phase.warmUp();
        if (w != null && phase.withReloads()) {
          md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s s | %d | %d | %.0f / %.0f ms | %.0f / %.0f ms |\n",
              run.setup().name(), run.setup().jvm(), client(phase.client()), WorkerSetup.seconds(phase.hupPeriod()),
              w.generations(), w.first(), w.firstP50Millis(), w.laterP50Millis(), w.firstP99Millis(), w.laterP99Millis()));
        }
      }
    }
    md.append('\n');
  }

  /** The run without HUPs of the same client, if any. */
  private static Phase twin(ReloadUnderLoad.WorkerRun run, Phase phase) {
    return run.phases().stream().filter(p -> p.client().equals(phase.client()) && !p.withReloads()).findFirst().orElse(null);
  }

  private static String seconds(double value, int decimals) {
    return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f s", value);
  }

  private static String duration(long millis) {
    return millis < 0 ? "n/a" : millis >= 1000 ? String.format(Locale.ROOT, "%.2f s", millis / 1000.0) : millis + " ms";
  }

  static String client(String client) {
    return switch (client) {
      case "ab" -> "`ab -r`";
      case "ab-k" -> "`ab -r -k`";
      default -> "`" + client + "`";
    };
  }

  private static <T> String spread(List<T> items, ToLongFunction<T> value) {
    long[] v = items.stream().mapToLong(value).filter(x -> x >= 0).sorted().toArray();
    if (v.length == 0) {
      return "n/a";
    }
    return v.length == 1 ? Long.toString(v[0])
        : String.format(Locale.ROOT, "%d (%d–%d)", v[v.length / 2], v[0], v[v.length - 1]);
  }

}
