package dev.baton.e2e.bench;

import dev.baton.e2e.control.Reload;
import dev.baton.e2e.load.Ab;
import dev.baton.e2e.load.LoadResult;
import dev.baton.e2e.load.Wrk;
import dev.baton.e2e.proc.BatonHome;
import dev.baton.e2e.proc.SupervisorProcess;
import dev.baton.e2e.server.SupervisedServer;
import dev.baton.e2e.server.WorkerKind;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench/reload-under-load}: the start_server article's experiment on this machine. For each
 * worker (the sample's JDK HttpServer and Vert.x under baton with the agent, Starlet under Perl's
 * start_server) and each client: {@code ab -r -n N -c C} while the supervisor gets {@code kill -HUP}
 * every period, then the same load without HUPs, plus the supervisor's own cost and reload timings.
 * Prints one Markdown report and writes it under {@code bench/results/}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Reload under load: ab/wrk against a server whose supervisor gets kill -HUP every period.")
public final class ReloadUnderLoad implements Callable<Integer> {

  @Option(names = {"-n", "--requests"}, paramLabel = "N", description = "Requests per ab run (default: 100000, --quick: 20000).")
  Long requests;

  @Option(names = {"-c", "--concurrency"}, paramLabel = "C", description = "Concurrent connections (default: 1000, --quick: 200).")
  Integer concurrency;

  @Option(names = "--hup-period", paramLabel = "SECONDS", defaultValue = "1",
      description = "Seconds between two HUPs (default: ${DEFAULT-VALUE}, as the article).")
  double hupPeriod;

  @Option(names = "--worker", paramLabel = "jdk,vertx,starlet", split = ",", defaultValue = "jdk,vertx,starlet",
      description = "Workers to measure (default: ${DEFAULT-VALUE}).")
  List<String> workers;

  @Option(names = "--client", paramLabel = "ab,ab-k,wrk", split = ",", defaultValue = "ab",
      description = "Clients: ab (a connection per request, as the article), ab-k (keep-alive), wrk (keep-alive, "
          + "--duration) (default: ${DEFAULT-VALUE}).")
  List<String> clients;

  @Option(names = "--duration", paramLabel = "SECONDS", description = "wrk's run time (default: 10, --quick: 5).")
  Integer duration;

  @Option(names = "--max-seconds", paramLabel = "SECONDS", defaultValue = "90",
      description = "Stop an ab run after this long even if not all requests were sent (ab -t; 0 = never;"
          + " default: ${DEFAULT-VALUE}). Starlet reloading every second serves well under 100 req/s.")
  int maxSeconds;

  @Option(names = "--sleep", paramLabel = "MS", defaultValue = "100",
      description = "How long the handler sleeps per request (default: ${DEFAULT-VALUE}).")
  long sleepMillis;

  @Option(names = "--starlet-workers", paramLabel = "N", defaultValue = "100",
      description = "Starlet's --max-workers (default: ${DEFAULT-VALUE}).")
  int starletWorkers;

  @Option(names = "--idle-reloads", paramLabel = "N", defaultValue = "3",
      description = "Reloads timed at low traffic, per worker (default: ${DEFAULT-VALUE}).")
  int idleReloads;

  @Option(names = "--worker-jvm-args", paramLabel = "ARGS",
      description = "Options for the JVM workers, space-separated, e.g. \"-XX:TieredStopAtLevel=1 -XX:SharedArchiveFile=app.jsa\""
          + " (default: none, the JVM's defaults).")
  String workerJvmArgs;

  @Option(names = "--cds", description = "Start the JVM workers with an AppCDS archive of the sample, made by a"
      + " training run first (-XX:ArchiveClassesAtExit, then -XX:SharedArchiveFile): a shorter JVM start-up.")
  boolean cds;

  @Option(names = "--quick", description = "A smaller run: -n 20000 -c 200, wrk 5 s.")
  boolean quick;

  @Option(names = "--out", paramLabel = "DIR", description = "Where the Markdown report goes (default: bench/results).")
  Path out;

  @Option(names = "--no-write", description = "Print the report only.")
  boolean noWrite;

  private final PrintStream log = System.err;
  private final long t0 = System.nanoTime();

  /** Everything measured for one worker. */
  record WorkerRun(WorkerKind kind, CostSampler.Cost idle, List<ReloadTiming> idleReloads, List<Phase> phases,
      List<Reload> reloadsUnderLoad) {}

  @Override
  public Integer call() throws Exception {
    long n = requests != null ? requests : quick ? 20_000 : 100_000;
    int c = concurrency != null ? concurrency : quick ? 200 : 1000;
    int wrkSeconds = duration != null ? duration : quick ? 5 : 10;
    BatonHome home = BatonHome.locate();
    List<WorkerKind> kinds = workers.stream().map(WorkerKind::of).toList();
    checkTools(kinds);
    if (kinds.stream().anyMatch(WorkerKind::jvm)) {
      home.requireBuilt();
    }
    say(String.format(Locale.ROOT, "reload under load: -n %d -c %d, HUP every %.1f s, handler sleeps %d ms; workers %s;"
        + " clients %s; worker JVM options: %s", n, c, hupPeriod, sleepMillis, workers, clients,
        workerJvmArgs == null || workerJvmArgs.isBlank() ? "none" : workerJvmArgs));

    List<WorkerRun> runs = new ArrayList<>();
    for (WorkerKind kind : kinds) {
      runs.add(measure(home, kind, n, c, wrkSeconds));
    }
    Map<String, String> facts = Machine.facts(home.root(), home.agentJar());
    facts.put("worker JVM options", (workerJvmArgs == null || workerJvmArgs.isBlank() ? "none" : workerJvmArgs.trim())
        + (cds ? " + an AppCDS archive of the sample (--cds)" : ""));
    String report = Report.markdown(facts, n, c, hupPeriod, sleepMillis, starletWorkers,
        wrkSeconds, maxSeconds, runs);
    System.out.println(report);
    if (!noWrite) {
      Path dir = out != null ? out : home.results();
      Files.createDirectories(dir);
      Path file = dir.resolve("reload-under-load-" + LocalDateTime.now().format(
          DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + (quick ? "-quick" : "") + ".md");
      Files.writeString(file, report);
      say("written to " + file);
    }
    boolean anyFailed = runs.stream().flatMap(r -> r.phases().stream())
        .anyMatch(p -> p.load().failed() > 0 || p.load().non2xx() > 0);
    return anyFailed ? 1 : 0;
  }

  private WorkerRun measure(BatonHome home, WorkerKind kind, long n, int c, int wrkSeconds) throws Exception {
    say("== " + kind.title() + " under " + kind.supervisor());
    List<String> jvmOptions = new ArrayList<>(List.of(jvmArgs(workerJvmArgs)));
    if (cds && kind.jvm()) {
      say("CDS training run of the " + kind.title() + " sample");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString(); // as SupervisedServer
      Path archive = AppCds.archive(home, java, kind.id(), jvmOptions, Files.createTempDirectory("reload-under-load-cds-"));
      jvmOptions.add("-XX:SharedArchiveFile=" + archive);
    }
    try (SupervisedServer server = SupervisedServer.builder(home, kind).sleepMillis(sleepMillis)
        .workerJvmArgs(jvmOptions.toArray(new String[0]))
        .starletWorkers(starletWorkers).start()) {
      server.awaitServing(Duration.ofSeconds(120));
      Thread.sleep(1000);

      say("idle cost of " + kind.supervisor() + " (5 s)");
      CostSampler idleSampler = new CostSampler(server.supervisorPid());
      Thread.sleep(5000);
      CostSampler.Cost idle = idleSampler.stop();

      List<ReloadTiming> timings = new ArrayList<>();
      for (int i = 0; i < idleReloads; i++) {
        ReloadTiming timing = ReloadTiming.measure(server, Duration.ofSeconds(120));
        say(String.format(Locale.ROOT, "idle reload %d: HUP -> ready %d ms, -> old gone %d ms; spawn -> first response %d ms",
            i + 1, timing.hupToReadyMillis(), timing.hupToOldGoneMillis(), timing.spawnToFirstResponseMillis()));
        timings.add(timing);
      }

      List<Phase> phases = new ArrayList<>();
      Map<Long, Reload> reloads = new TreeMap<>();
      for (String client : clients) {
        phases.add(phase(server, client, true, n, c, wrkSeconds, reloads));
        settle(server);
        phases.add(phase(server, client, false, n, c, wrkSeconds, reloads));
      }
      return new WorkerRun(kind, idle, timings, phases, List.copyOf(reloads.values()));
    }
  }

  private Phase phase(SupervisedServer server, String client, boolean withReloads, long n, int c, int wrkSeconds,
      Map<Long, Reload> reloads) throws Exception {
    say(String.format(Locale.ROOT, "%s: %s %s", server.kind().title(), client, withReloads
        ? String.format(Locale.ROOT, "with kill -HUP every %.1f s", hupPeriod) : "without reloads"));
    long start = System.currentTimeMillis();
    AtomicInteger hups = new AtomicInteger();
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
    long periodMillis = Math.max(1, Math.round(hupPeriod * 1000));
    if (withReloads) {
      scheduler.scheduleAtFixedRate(() -> {
        hups.incrementAndGet();
        server.hup();
      }, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }
    if (server.control() != null) {
      // baton keeps its last 20 reloads: collect them while they happen
      scheduler.scheduleWithFixedDelay(() -> server.control().reloads().stream().filter(Reload::finished)
          .forEach(r -> reloads.putIfAbsent(r.id(), r)), 500, 500, TimeUnit.MILLISECONDS);
    }
    LoadResult result;
    CostSampler.Cost cost;
    try (CostSampler sampler = new CostSampler(server.supervisorPid())) {
      result = switch (client) {
        case "ab" -> Ab.run(server.url(), n, c, false, maxSeconds, Math.max(600, n / 50));
        case "ab-k" -> Ab.run(server.url(), n, c, true, maxSeconds, Math.max(600, n / 50));
        case "wrk" -> Wrk.run(server.url(), c, wrkSeconds, 2);
        default -> throw new IllegalArgumentException("unknown client '" + client + "' (ab, ab-k or wrk)");
      };
      cost = sampler.stop();
    } finally {
      scheduler.shutdownNow();
      scheduler.awaitTermination(10, TimeUnit.SECONDS);
    }
    if (server.control() != null) {
      server.control().reloads().stream().filter(Reload::finished).forEach(r -> reloads.putIfAbsent(r.id(), r));
    }
    int completed = server.process().lines(start, l -> l.contains(ReloadTiming.READY)).size();
    say(String.format(Locale.ROOT, "  %.0f req/s, failed %d (%s), non-2xx %d, p50 %.0f ms, p99 %.0f ms, max %.0f ms;"
            + " %d HUPs, %d reloads completed", result.requestsPerSecond(), result.failed(),
        result.failedByText(client.equals("wrk") ? Wrk.CATEGORIES : Ab.CATEGORIES), result.non2xx(),
        result.p50Millis(), result.p99Millis(), result.maxMillis(), hups.get(), completed));
    return new Phase(client, withReloads, result, hups.get(), completed, cost);
  }

  /**
   * Waits until the reloads still under way are over: one worker generation left, and the supervisor
   * quiet for 1.5 s (Perl's start_server handles queued HUPs one at a time, --interval apart).
   */
  private void settle(SupervisedServer server) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    while (System.nanoTime() < deadline) {
      List<SupervisorProcess.Line> lines = server.process().lines();
      long quietFor = lines.isEmpty() ? Long.MAX_VALUE : System.currentTimeMillis() - lines.get(lines.size() - 1).atMillis();
      if (server.statusLines().size() == 1 && quietFor > 1500) {
        return;
      }
      Thread.sleep(100);
    }
    say("warning: " + server.kind().supervisor() + " still reloading 180 s after the last HUP");
  }

  private void checkTools(List<WorkerKind> kinds) {
    List<String> missing = new ArrayList<>();
    if (clients.stream().anyMatch(cl -> cl.startsWith("ab")) && !Ab.installed()) {
      missing.add("ab (apt-get install apache2-utils)");
    }
    if (clients.contains("wrk") && !Wrk.installed()) {
      missing.add("wrk (apt-get install wrk)");
    }
    if (kinds.contains(WorkerKind.STARLET)
        && "n/a".equals(Machine.run(List.of("perl", "-MStarlet", "-MServer::Starter", "-e", "print 1")))) {
      missing.add("start_server and Starlet (apt-get install libserver-starter-perl starlet)");
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException("missing: " + String.join(", ", missing) + " (or leave that worker/client out)");
    }
  }

  private void say(String line) {
    log.printf(Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - t0) / 1e9, line);
  }

  static String[] jvmArgs(String text) {
    return text == null || text.isBlank() ? new String[0] : text.trim().split("\\s+");
  }

  static long rssMb(long kb) {
    return kb < 0 ? -1 : Math.round(kb / 1024.0);
  }

}
