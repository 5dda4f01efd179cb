package dev.baton.e2e.bench;

import dev.baton.e2e.control.Reload;
import dev.baton.e2e.load.Ab;
import dev.baton.e2e.load.LoadResult;
import dev.baton.e2e.load.Wrk;
import dev.baton.e2e.server.WorkerKind;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;

/** The benchmark's Markdown: the load table, the supervisor's cost and reload timings, the machine. */
final class Report {

  private Report() {}

  static String markdown(Map<String, String> machine, long n, int c, double hupPeriod, long sleepMillis,
      int starletWorkers, int wrkSeconds, int maxSeconds, List<ReloadUnderLoad.WorkerRun> runs) {
    StringBuilder md = new StringBuilder();
    md.append("# Reload under load\n\n");
    md.append(String.format(Locale.ROOT, "%s. `ab -r -n %d -c %d` (and `wrk -c %d -d %ds` where listed) against a"
            + " server whose handler sleeps %d ms, while its supervisor gets `kill -HUP` every %.1f s; then the same"
            + " load without HUPs. JVM workers: `bin/baton --readiness=notify --backlog=SOMAXCONN -- java"
            + " -javaagent:agent/target/baton-agent.jar -jar e2e/target/baton-sample.jar`. Reference: Perl `start_server -- plackup -s Starlet --max-workers=%d`."
            + " Made by `bench/reload-under-load`.\n\n",
        ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME.withLocale(Locale.ROOT)).replaceFirst("\\..*", ""),
        n, c, c, wrkSeconds, sleepMillis, hupPeriod, starletWorkers));

    md.append("## Requests\n\n");
    md.append("| worker (supervisor) | client | HUPs | complete | req/s | failed | failed by category | non-2xx"
        + " | p50 ms | p99 ms | max ms | reloads done | rps ratio | supervisor CPU | supervisor RSS |\n");
    md.append("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (ReloadUnderLoad.WorkerRun run : runs) {
      for (Phase phase : run.phases()) {
        LoadResult r = phase.load();
        Phase twin = run.phases().stream()
            .filter(p -> p.client().equals(phase.client()) && !p.withReloads()).findFirst().orElse(null);
        String ratio = phase.withReloads() && twin != null && twin.load().requestsPerSecond() > 0
            ? String.format(Locale.ROOT, "%.2f", r.requestsPerSecond() / twin.load().requestsPerSecond()) : "";
        md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %.0f | **%d** | %s | %d | %.0f | %.0f | %.0f | %s | %s"
                + " | %.1f %% | %d MB |\n",
            name(run.kind()), client(phase.client()), phase.withReloads() ? Integer.toString(phase.hupsSent()) : "none",
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
      md.append(String.format(Locale.ROOT, "| %s | %d MB | %.2f %% | %s | %s | %s | %s | %s |\n", name(run.kind()),
          ReloadUnderLoad.rssMb(run.idle().endRssKb()), run.idle().cpuPercent(),
          spread(t, ReloadTiming::hupToReadyMillis), spread(t, ReloadTiming::hupToOldGoneMillis),
          spread(t, ReloadTiming::spawnToFirstResponseMillis),
          run.kind().jvm() ? spread(loaded, Reload::readyMillis) : "n/a",
          run.kind().jvm() ? spread(loaded, Reload::doneMillis) : "n/a"));
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

  private static String name(WorkerKind kind) {
    return kind.title() + " (" + kind.supervisor() + ")";
  }

  private static String client(String client) {
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
