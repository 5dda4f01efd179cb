package dev.baton.e2e.bench;

import dev.baton.e2e.control.Reload;
import dev.baton.e2e.server.GoWorker;
import dev.baton.e2e.server.SupervisedServer;
import dev.baton.e2e.server.WorkerKind;
import dev.baton.e2e.timeline.GenerationLives;
import dev.baton.e2e.timeline.Timeline;
import dev.baton.e2e.timeline.TimelinePicture;
import dev.baton.testkit.baton.BatonHome;
import dev.baton.testkit.load.Ab;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.load.LoadResult;
import dev.baton.testkit.load.RequestLog;
import dev.baton.testkit.load.Wrk;
import dev.baton.testkit.process.StartedProcess;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench/reload-under-load}: the start_server article's experiment on this machine. For each
 * worker setup (the JDK HttpServer, Vert.x and Spring Boot samples under baton with the agent, for each
 * JDK, set of JVM options and cache asked for; a Go worker under baton, the floor; Starlet under Perl's
 * start_server, the reference) and each client: the load while the supervisor gets {@code kill -HUP}
 * every period, for each period, then the same load without HUPs; reloads timed at light traffic; the
 * supervisor's own cost; what every generation costs, from {@code /proc} ({@link ContainerSampler}). The
 * report's first table says what one reload costs ({@link PerReload}); runs with HUPs of the java client
 * are drawn ({@link TimelinePicture}). Prints one Markdown report and writes it under {@code bench/results/}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Reload under load: ab/wrk against a server whose supervisor gets kill -HUP every period.")
public final class ReloadUnderLoad implements Callable<Integer> {

  @Option(names = {"-n", "--requests"}, paramLabel = "N", description = "Requests per ab run (default: 100000, --quick: 20000).")
  Long requests;

  @Option(names = {"-c", "--concurrency"}, paramLabel = "C", description = "Concurrent connections (default: 1000, --quick: 200).")
  Integer concurrency;

  @Option(names = "--hup-period", paramLabel = "SECONDS", split = ",", defaultValue = "1",
      description = "Seconds between two HUPs; a list makes one run with HUPs per period, e.g. 1,10"
          + " (default: ${DEFAULT-VALUE}, as the article).")
  List<Double> hupPeriods;

  @Option(names = "--worker", paramLabel = "jdk,vertx,spring,go,starlet", split = ",",
      defaultValue = "jdk,vertx,spring,go,starlet",
      description = "Workers to measure; go is built from bench/go/sleep.go and left out with a message where go is"
          + " missing (default: ${DEFAULT-VALUE}).")
  List<String> workers;

  @Option(names = "--client", paramLabel = "ab,ab-k,wrk,java,java-k", split = ",", defaultValue = "ab",
      description = "Clients: ab (a connection per request, as the article), ab-k (keep-alive), wrk (keep-alive, "
          + "--duration), java and java-k (the harness's own client, which records every request: its runs with"
          + " HUPs are drawn) (default: ${DEFAULT-VALUE}).")
  List<String> clients;

  @Option(names = "--duration", paramLabel = "SECONDS", description = "wrk's run time (default: 10, --quick: 5).")
  Integer duration;

  @Option(names = "--max-seconds", paramLabel = "SECONDS",
      description = "Stop an ab or java run after this long even if not all requests were sent (ab -t; 0 = never;"
          + " default: 90, --quick: 20). Starlet reloading every second serves well under 100 req/s.")
  Integer maxSeconds;

  @Option(names = "--sleep", paramLabel = "MS", defaultValue = "100",
      description = "How long the handler sleeps per request (default: ${DEFAULT-VALUE}).")
  long sleepMillis;

  @Option(names = "--starlet-workers", paramLabel = "N", defaultValue = "100",
      description = "Starlet's --max-workers (default: ${DEFAULT-VALUE}).")
  int starletWorkers;

  @Option(names = "--idle-reloads", paramLabel = "N", defaultValue = "3",
      description = "Reloads timed at low traffic, per worker (default: ${DEFAULT-VALUE}).")
  int idleReloads;

  @Option(names = "--java", paramLabel = "JAVA", split = ",",
      description = "The JVM workers' java; a list measures each, e.g. java,/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"
          + " (default: the java running the benchmark).")
  List<String> javas;

  @Option(names = "--worker-jvm-args", paramLabel = "ARGS",
      description = "Options for the JVM workers, space-separated, e.g. \"-XX:TieredStopAtLevel=1 -XX:+UseSerialGC\";"
          + " repeat it to compare sets (\"\" = the JVM's defaults) (default: none, the JVM's defaults).")
  List<String> workerJvmArgs;

  @Option(names = "--cache", paramLabel = "none,appcds,aot,auto,baton", split = ",",
      description = "Class-data caches for the JVM workers, each measured, as bench/agent-cost makes them: none;"
          + " appcds (an AppCDS archive of a training run of the sample without the agent); aot (a JDK 25 AOT cache"
          + " trained with the worker's command line, -javaagent included, used with -XX:AOTMode=on so that a cache the"
          + " JVM cannot use fails the run); auto (aot on JDK 25 and later, else appcds); baton (baton's own --jvm-cache,"
          + " trained by a first generation under load in a run before the measured one, which starts with it; JVM"
          + " workers under baton only) (default: none).")
  List<String> caches;

  @Option(names = "--cds", description = "The same as --cache appcds.")
  boolean cds;

  @Option(names = "--kill-old-delay", paramLabel = "SECONDS", split = ",",
      description = "The supervisor's --kill-old-delay: how long the old generation keeps serving beside a new one"
          + " that is ready; a list measures each (default: the supervisor's, 0).")
  List<Double> killOldDelays;

  @Option(names = "--warm-up", paramLabel = "off|N|N:TIME", split = ",",
      description = "The agent's warm-up for the JVM workers under baton: the old generation serves until the new one"
          + " has answered N requests, at most TIME (agent options warmUp=N,warmUpTime=TIME; TIME default 2s); a list"
          + " measures each, e.g. off,100,500:5s (default: off).")
  List<String> warmUps;

  @Option(names = "--timeline", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Draw the runs with HUPs (SVG, PNG and TSV beside the report). Only the java clients record every"
          + " request: without one in --client, each worker gets one more run with HUPs by the java client, of at most"
          + " --timeline-seconds, to draw (default: on; --no-timeline).")
  boolean timeline;

  @Option(names = "--timeline-seconds", paramLabel = "SECONDS",
      description = "Length of the extra run drawn beside ab's (default: 20, --quick: 8).")
  Integer timelineSeconds;

  @Option(names = "--quick", description = "A smaller run: -n 20000 -c 200, ab at most 20 s, wrk 5 s, timeline run 8 s.")
  boolean quick;

  @Option(names = "--label", paramLabel = "TEXT",
      description = "Added to the result files' names, e.g. loaded-machine for a run on a busy machine.")
  String label;

  @Option(names = "--out", paramLabel = "DIR", description = "Where the Markdown report goes (default: bench/results).")
  Path out;

  @Option(names = "--no-write", description = "Print the report only.")
  boolean noWrite;

  /** How many of a new generation's first answers {@link WarmUp} compares with its later ones. */
  private static final int WARM_UP_ANSWERS = 100;

  private static final Pattern JAVA_VERSION = Pattern.compile("version \"(\\d+)");

  private final PrintStream log = System.err;
  private final long t0 = System.nanoTime();

  /**
   * Everything measured for one worker setup.
   *
   * @param idleGenerations each generation that started and ended before the load runs (the first one, and
   *     those of the idle reloads), its CPU complete
   */
  record WorkerRun(WorkerSetup setup, CostSampler.Cost idle, List<ReloadTiming> idleReloads,
      List<ContainerSampler.Generation> idleGenerations, List<Phase> phases, List<Reload> reloadsUnderLoad) {

    WorkerKind kind() {
      return setup.kind();
    }
  }

  /** The sizes of this run. */
  private record Sizes(long n, int c, int wrkSeconds, int maxSeconds, int timelineSeconds) {}

  @Override
  public Integer call() throws Exception {
    Sizes sizes = new Sizes(requests != null ? requests : quick ? 20_000 : 100_000,
        concurrency != null ? concurrency : quick ? 200 : 1000, duration != null ? duration : quick ? 5 : 10,
        maxSeconds != null ? maxSeconds : quick ? 20 : 90, timelineSeconds != null ? timelineSeconds : quick ? 8 : 20);
    BatonHome home = BatonHome.locate();
    List<WorkerKind> kinds = new ArrayList<>(workers.stream().map(WorkerKind::of).distinct().toList());
    for (double period : hupPeriods) {
      if (!(period > 0)) {
        throw new IllegalArgumentException("--hup-period " + period + ": a period is a number of seconds above 0");
      }
    }
    clients.forEach(ReloadUnderLoad::checkClient);
    checkTools(kinds);
    Path goWorker = null;
    if (kinds.contains(WorkerKind.GO)) {
      if (GoWorker.go() == null) {
        say("leaving the Go worker out: go is not on the PATH (apt-get install golang-go)");
        kinds.remove(WorkerKind.GO);
      } else {
        say("building the Go worker from " + home.root().relativize(home.goWorkerSource()));
        goWorker = GoWorker.build(home);
      }
    }
    if (kinds.stream().anyMatch(WorkerKind::baton)) {
      home.requireBuilt();
      snapshotAgentJar(home);
    }
    if (kinds.contains(WorkerKind.SPRING)) {
      home.requireSpringSample();
    }
    List<WorkerSetup> setups = setups(kinds);
    say(String.format(Locale.ROOT, "reload under load: -n %d -c %d, HUP every %s s, handler sleeps %d ms; clients %s;"
        + " %d setups: %s", sizes.n(), sizes.c(), periods(), sleepMillis, clients, setups.size(),
        setups.stream().map(s -> s.worker() + (s.kind().jvm() ? " [" + s.jvm() + "]" : "")
            + (s.handover().isEmpty() ? "" : " [" + s.handover() + "]")).toList()));

    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
        + (quick ? "-quick" : "") + (label == null || label.isBlank() ? "" : "-" + label.trim().replaceAll("[^A-Za-z0-9.-]+", "-"));
    Path dir = out != null ? out : home.results();
    Path pictures = noWrite ? Files.createTempDirectory("reload-under-load-") : dir.resolve("reload-under-load-" + stamp);
    List<WorkerRun> runs = new ArrayList<>();
    for (WorkerSetup setup : setups) {
      runs.add(measure(home, setup, goWorker, sizes, pictures));
    }
    Map<String, String> facts = Machine.facts(home.root(), home.agentJar());
    facts.put("worker JVMs", setups.stream().filter(s -> s.kind().jvm()).map(WorkerSetup::jvm).distinct().toList().toString());
    String report = Report.markdown(facts, sizes.n(), sizes.c(), hupPeriods, sleepMillis, starletWorkers,
        sizes.wrkSeconds(), sizes.maxSeconds(), runs, noWrite ? null : dir);
    System.out.println(report);
    if (!noWrite) {
      Files.createDirectories(dir);
      Path file = dir.resolve("reload-under-load-" + stamp + ".md");
      Files.writeString(file, report);
      say("written to " + file + (Files.isDirectory(pictures) ? " (timelines in " + pictures + ")" : ""));
    }
    boolean anyFailed = runs.stream().flatMap(r -> r.phases().stream())
        .anyMatch(p -> p.load().failed() > 0 || p.load().non2xx() > 0);
    return anyFailed ? 1 : 0;
  }

  /**
   * Every worker kind; the JVM ones once per java × JVM options × cache; under baton, once per kill-old-delay, and
   * the JVM ones once per warm-up.
   */
  private List<WorkerSetup> setups(List<WorkerKind> kinds) {
    List<String> javaList = javas == null || javas.isEmpty() ? List.of(SupervisedServer.defaultJava()) : javas;
    List<String> argSets = workerJvmArgs == null || workerJvmArgs.isEmpty() ? List.of("") : workerJvmArgs;
    List<String> cacheList = new ArrayList<>(caches == null || caches.isEmpty() ? List.of(cds ? "appcds" : "none") : caches);
    if (cds && !cacheList.contains("appcds") && !cacheList.contains("cds")) {
      cacheList.add("appcds");
    }
    List<Double> delays = new ArrayList<>();
    if (killOldDelays == null || killOldDelays.isEmpty()) {
      delays.add(null);
    } else {
      for (Double d : killOldDelays) {
        if (d == null || d < 0) {
          throw new IllegalArgumentException("--kill-old-delay " + d + ": seconds, 0 or more");
        }
        delays.add(d);
      }
    }
    List<String> warmUpList = new ArrayList<>();
    for (String w : warmUps == null || warmUps.isEmpty() ? List.of("off") : warmUps) {
      if (!w.matches("off|[1-9][0-9]*(:[0-9]+(ms|s|m)?)?")) {
        throw new IllegalArgumentException("--warm-up " + w + ": off, a number of requests, or requests:time, e.g. 200:5s");
      }
      warmUpList.add("off".equals(w) ? null : w);
    }
    List<WorkerSetup> setups = new ArrayList<>();
    for (WorkerKind kind : kinds) {
      for (Double delay : delays) {
        if (!kind.jvm()) {
          setups.add(new WorkerSetup(kind, null, null, List.of(), AgentCost.Cache.NONE, delay, null));
          continue;
        }
        for (String java : javaList) {
          int feature = jdk(java);
          List<AgentCost.Cache> cachesHere = cacheList.stream().map(c -> AgentCost.Cache.parse(c, feature)).distinct().toList();
          for (String args : argSets) {
            for (AgentCost.Cache cache : cachesHere) {
              for (String warmUp : kind.baton() ? warmUpList : Collections.<String>singletonList(null)) {
                setups.add(new WorkerSetup(kind, java, "JDK " + feature, List.of(jvmArgs(args)), cache, delay, warmUp));
              }
            }
          }
        }
      }
    }
    return setups;
  }

  /**
   * baton's {@code --jvm-cache} trained as a user's first deployment trains it: generation 1 serves load, a HUP
   * retires it, baton builds the cache from its recording in the background. The measured run that follows uses
   * the same directory and command line (the same key), so every generation of it starts with the cache.
   */
  private void trainBatonCache(BatonHome home, WorkerSetup setup, Path goWorker, Path dir) throws Exception {
    WorkerKind kind = setup.kind();
    if (!kind.baton()) {
      throw new IllegalArgumentException("--cache baton: " + kind.title() + " does not run under baton");
    }
    say("baton --jvm-cache: training run of the " + kind.title() + " sample (generation 1 under load, then a HUP)");
    SupervisedServer.Builder builder = builder(home, setup, goWorker, setup.jvmArgs()).supervisorArgs("--jvm-cache=" + dir);
    try (SupervisedServer server = builder.start()) {
      server.awaitServing(Duration.ofSeconds(240));
      HttpLoad training = HttpLoad.start(HttpLoad.Options.of(server.port(), 50, 0, false));
      Thread.sleep(5000);
      training.stop();
      LoadResult trained = training.await(Duration.ofSeconds(60));
      if (trained.failed() > 0) {
        throw new IllegalStateException("the cache's training run failed " + trained.failed() + " requests");
      }
      server.hup();
      long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
      while (!server.process().output().matches("(?s).*jvm cache: [^\\n]* built in .*")) {
        if (System.nanoTime() > deadline || server.process().output().contains("jvm cache: none for this command line")) {
          throw new IllegalStateException("baton built no JVM cache within 180 s:" + System.lineSeparator() + server.process().output());
        }
        Thread.sleep(200);
      }
    }
  }

  /** The setup's server: its java, JVM options, supervisor flags and agent options; not started. */
  private SupervisedServer.Builder builder(BatonHome home, WorkerSetup setup, Path goWorker, List<String> jvmOptions) {
    SupervisedServer.Builder builder = SupervisedServer.builder(home, setup.kind()).sleepMillis(sleepMillis)
        .workerJvmArgs(jvmOptions.toArray(new String[0])).starletWorkers(starletWorkers).goWorker(goWorker);
    if (setup.java() != null) {
      builder.workerJava(setup.java());
    }
    if (setup.kind().baton()) {
      // A busy machine can take a minute to start a Spring Boot generation: slow, not failed.
      builder.supervisorArgs("--ready-timeout=180s");
    }
    if (setup.killOldDelay() != null) {
      builder.supervisorArgs("--kill-old-delay=" + WorkerSetup.seconds(setup.killOldDelay()));
    }
    return builder.agentOptions(setup.agentOptions());
  }

  private WorkerRun measure(BatonHome home, WorkerSetup setup, Path goWorker, Sizes sizes, Path pictures) throws Exception {
    WorkerKind kind = setup.kind();
    say("== " + setup.worker() + (kind.jvm() ? ", " + setup.jvm() : "") + (setup.handover().isEmpty() ? "" : ", " + setup.handover()));
    List<String> jvmOptions = new ArrayList<>(setup.jvmArgs());
    Path batonCache = null;
    if (setup.cache() == AgentCost.Cache.BATON) {
      batonCache = Files.createTempDirectory("reload-under-load-jvm-cache-");
      trainBatonCache(home, setup, goWorker, batonCache);
    } else if (setup.cache() != AgentCost.Cache.NONE) {
      say(setup.cache().label + " training run of the " + kind.title() + " sample");
      Path dir = Files.createTempDirectory("reload-under-load-cache-");
      if (setup.cache() == AgentCost.Cache.APPCDS) {
        jvmOptions.add("-XX:SharedArchiveFile=" + AppCds.archive(home, setup.java(), kind, setup.jvmArgs(), dir));
      } else {
        jvmOptions.addAll(List.of("-XX:AOTMode=on", "-XX:AOTCache="
            + AppCds.aotCache(home, setup.java(), kind.id(), setup.jvmArgs(), home.agentJar(), dir)));
      }
    }
    SupervisedServer.Builder builder = builder(home, setup, goWorker, jvmOptions);
    if (batonCache != null) {
      builder.supervisorArgs("--jvm-cache=" + batonCache);
    }
    long serverStart = System.currentTimeMillis();
    try (SupervisedServer server = builder.start();
         ContainerSampler container = new ContainerSampler(server.supervisorPid())) {
      server.awaitServing(Duration.ofSeconds(240));
      if (batonCache != null && !server.process().output().contains("jvm cache: generation 1 started with")) {
        throw new IllegalStateException("--cache baton: generation 1 did not start with the cache trained before it:"
            + System.lineSeparator() + server.process().output());
      }
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
      List<ContainerSampler.Generation> idleGenerations = container.completedSpawnedBetween(serverStart - 1000,
          System.currentTimeMillis(), workerPids(server));
      say(String.format(Locale.ROOT, "CPU per generation at light traffic: %s s",
          seconds(idleGenerations.stream().map(ContainerSampler.Generation::cpuSeconds).toList())));
      if (kind.jvm()) {
        say("where their CPU went: " + byKind(idleGenerations));
      }

      List<Phase> phases = new ArrayList<>();
      Map<Long, Reload> reloads = new TreeMap<>();
      for (String client : clients) {
        for (double period : hupPeriods) {
          phases.add(settled(server, container, setup, sizes, pictures,
              phase(server, container, client, period, false, sizes, reloads)));
        }
        phases.add(phase(server, container, client, 0, false, sizes, reloads).phase());
      }
      if (timeline && clients.stream().noneMatch(ReloadUnderLoad::records)) {
        for (double period : hupPeriods) {
          phases.add(settled(server, container, setup, sizes, pictures,
              phase(server, container, "java", period, true, sizes, reloads)));
        }
      }
      if (phases.stream().anyMatch(p -> p.load().failed() + p.load().non2xx() > 0)) {
        Path kept = (noWrite ? Files.createTempDirectory("reload-under-load-") : pictures).resolve(setup.slug() + "-supervisor.log");
        Files.createDirectories(kept.getParent());
        Files.copy(server.dir().resolve("supervisor.log"), kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        say("requests failed: the supervisor's and workers' output is kept in " + kept);
      }
      return new WorkerRun(setup, idle, timings, idleGenerations, phases, List.copyOf(reloads.values()));
    }
  }

  /** A run, with what is read only once its reloads have settled: the requests it recorded, the HUPs it sent. */
  private record Ran(Phase phase, RequestLog requests, List<Long> hups) {}

  private Ran phase(SupervisedServer server, ContainerSampler container, String client, double period,
      boolean pictureOnly, Sizes sizes, Map<Long, Reload> reloads) throws Exception {
    say(String.format(Locale.ROOT, "%s: %s %s%s", server.kind().title(), client, period > 0
        ? String.format(Locale.ROOT, "with kill -HUP every %s s", WorkerSetup.seconds(period)) : "without reloads",
        pictureOnly ? String.format(Locale.ROOT, " (at most %d s, for the timeline)", sizes.timelineSeconds()) : ""));
    List<Long> hupTimes = new CopyOnWriteArrayList<>();
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
    long periodMillis = Math.max(1, Math.round(period * 1000));
    ContainerSampler.Snapshot before = container.snapshot();
    long start = System.currentTimeMillis();
    if (period > 0) {
      scheduler.scheduleAtFixedRate(() -> {
        hupTimes.add(System.currentTimeMillis());
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
    RequestLog requestLog = records(client) ? new RequestLog() : null;
    List<String> failures = new ArrayList<>();
    long end;
    try (CostSampler sampler = new CostSampler(server.supervisorPid())) {
      int seconds = pictureOnly ? sizes.timelineSeconds() : sizes.maxSeconds();
      result = switch (client) {
        case "ab" -> Ab.run(server.url(), sizes.n(), sizes.c(), false, seconds, Math.max(600, sizes.n() / 50));
        case "ab-k" -> Ab.run(server.url(), sizes.n(), sizes.c(), true, seconds, Math.max(600, sizes.n() / 50));
        case "wrk" -> Wrk.run(server.url(), sizes.c(), sizes.wrkSeconds(), 2);
        case "java", "java-k" -> java(server, client.equals("java-k"), sizes, seconds, requestLog, failures);
        default -> throw new IllegalArgumentException("unknown client '" + client + "'");
      };
      end = System.currentTimeMillis();
      cost = sampler.stop();
    } finally {
      scheduler.shutdownNow();
      scheduler.awaitTermination(10, TimeUnit.SECONDS);
    }
    ContainerSampler.Snapshot after = container.snapshot();
    if (server.control() != null) {
      server.control().reloads().stream().filter(Reload::finished).forEach(r -> reloads.putIfAbsent(r.id(), r));
    }
    int completed = server.process().lines(start, l -> l.contains(ReloadTiming.READY)).size();
    double cpu = before.cpuTicks() < 0 || after.cpuTicks() < 0 ? -1 : after.cpuSecondsSince(before);
    say(String.format(Locale.ROOT, "  %.0f req/s, failed %d (%s), non-2xx %d, p50 %.0f ms, p99 %.0f ms, max %.0f ms;"
            + " %d HUPs, %d reloads completed; container CPU %.1f s, peak RSS %d MB", result.requestsPerSecond(),
        result.failed(), result.failedByText(client.equals("wrk") ? Wrk.CATEGORIES : client.startsWith("java")
            ? HttpLoad.CATEGORIES : Ab.CATEGORIES), result.non2xx(), result.p50Millis(), result.p99Millis(),
        result.maxMillis(), hupTimes.size(), completed, cpu, rssMb(container.peakRssKb(start, end))));
    failures.forEach(f -> say("  failed: " + f));
    return new Ran(new Phase(client, period, pictureOnly, result, hupTimes.size(), completed, cost, start, end, cpu,
        container.peakRssKb(start, end), List.of(), List.of(), List.of(), null), requestLog, List.copyOf(hupTimes));
  }

  /**
   * After a run with HUPs: waits for its reloads to finish, then takes what only their end tells: the CPU
   * of each generation it started, the reload latencies, and the picture.
   */
  private Phase settled(SupervisedServer server, ContainerSampler container, WorkerSetup setup, Sizes sizes,
      Path pictures, Ran ran) throws Exception {
    settle(server);
    Phase phase = ran.phase();
    List<ContainerSampler.Generation> generations = container.completedSpawnedBetween(phase.startMillis(),
        phase.endMillis(), workerPids(server));
    List<Double> cpu = generations.stream().map(ContainerSampler.Generation::cpuSeconds).toList();
    List<GenerationLives.Life> lives = GenerationLives.read(server.process().lines());
    List<ReloadTiming> underLoad = ReloadTiming.underLoad(lives, ran.hups(), phase.startMillis(), phase.endMillis());
    List<Path> files = List.of();
    if (timeline && ran.requests() != null) {
      String title = String.format(Locale.ROOT, "%s%s%s: %s -c %d, HUP every %s s", setup.worker(),
          setup.kind().jvm() ? ", " + setup.jvm() : "", setup.handover().isEmpty() ? "" : ", " + setup.handover(),
          phase.client(), sizes.c(), WorkerSetup.seconds(phase.hupPeriod()));
      Timeline picture = Timeline.of(title, phase.startMillis(), phase.endMillis(), 100, ran.requests().requests(),
          lives, ran.hups());
      files = TimelinePicture.writeAll(picture, pictures.resolve(setup.slug() + "-" + phase.client() + "-hup"
          + WorkerSetup.seconds(phase.hupPeriod()) + "s"));
      say("  timeline: " + files.get(0));
    }
    say(String.format(Locale.ROOT, "  CPU per generation under load: %s s; HUP -> ready %d ms, -> old gone %d ms (median)",
        seconds(cpu), PerReload.median(underLoad, ReloadTiming::hupToReadyMillis),
        PerReload.median(underLoad, ReloadTiming::hupToOldGoneMillis)));
    if (setup.kind().jvm()) {
      say("  where their CPU went: " + byKind(generations));
    }
    WarmUp warmUp = ran.requests() == null ? null : WarmUp.of(ran.requests().requests(), WARM_UP_ANSWERS);
    if (warmUp != null && warmUp.generations() > 0) {
      say(String.format(Locale.ROOT, "  new generations' first %d answers: p50 %.0f ms, p99 %.0f ms; later: p50 %.0f ms,"
          + " p99 %.0f ms (median of %d generations)", warmUp.first(), warmUp.firstP50Millis(), warmUp.firstP99Millis(),
          warmUp.laterP50Millis(), warmUp.laterP99Millis(), warmUp.generations()));
    }
    return phase.settled(generations, underLoad, files, warmUp);
  }

  /** The harness's own client: as ab -r (or -k), every request recorded; stopped after {@code seconds}. */
  private LoadResult java(SupervisedServer server, boolean keepAlive, Sizes sizes, int seconds, RequestLog requestLog,
      List<String> failures) throws InterruptedException {
    HttpLoad load = HttpLoad.start(HttpLoad.Options.of(server.port(), sizes.c(), sizes.n(), keepAlive), requestLog);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds <= 0 ? 3600 : seconds);
    while (load.completed() + load.failed() < sizes.n() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    load.stop();
    LoadResult result = load.await(Duration.ofSeconds(120));
    failures.addAll(load.failureSamples());
    return result;
  }

  /**
   * Runs the workers with a copy of the agent jar: every Maven build rewrites
   * {@code agent/target/baton-agent.jar} (at process-classes, for the agent's tests), and a JVM whose
   * agent jar changed under it fails to load the agent's classes later (its drain among them: requests
   * lost at its exit). A benchmark run outlives many builds on a shared machine.
   */
  private void snapshotAgentJar(BatonHome home) throws java.io.IOException {
    if (System.getProperty("baton.agent.jar") != null || System.getenv("BATON_AGENT_JAR") != null) {
      return; // a build of the user's own choice
    }
    Path copy = Files.createTempDirectory("reload-under-load-agent-").resolve("baton-agent.jar");
    Files.copy(home.agentJar(), copy, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    copy.getParent().toFile().deleteOnExit(); // deleted in the reverse order: the jar first
    copy.toFile().deleteOnExit();
    System.setProperty("baton.agent.jar", copy.toString());
    say("workers run a copy of the agent jar: " + copy);
  }

  /** The pids the supervisor said it started as workers ("starting new worker PID"). */
  private static Set<Long> workerPids(SupervisedServer server) {
    return GenerationLives.read(server.process().lines()).stream().map(GenerationLives.Life::pid).collect(Collectors.toSet());
  }

  /**
   * Waits until the reloads still under way are over: one worker generation left, and the supervisor
   * quiet for 1.5 s (Perl's start_server handles queued HUPs one at a time, --interval apart).
   */
  private void settle(SupervisedServer server) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    while (System.nanoTime() < deadline) {
      List<StartedProcess.Line> lines = server.process().lines();
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

  private static void checkClient(String client) {
    if (!List.of("ab", "ab-k", "wrk", "java", "java-k").contains(client)) {
      throw new IllegalArgumentException("unknown client '" + client + "' (ab, ab-k, wrk, java or java-k)");
    }
  }

  /** The java clients record every request, so their runs can be drawn. */
  static boolean records(String client) {
    return client.startsWith("java");
  }

  /** The feature version, {@code 17}, from {@code java -version}. */
  private static int jdk(String java) {
    Matcher m = JAVA_VERSION.matcher(Machine.run(List.of(java, "-version")));
    if (!m.find()) {
      throw new IllegalArgumentException("--java " + java + ": not a java that runs (java -version said nothing)");
    }
    return Integer.parseInt(m.group(1));
  }

  private String periods() {
    return String.join(", ", hupPeriods.stream().map(WorkerSetup::seconds).toList());
  }

  /** {@code main 0.31 s, C2 JIT 0.52 s, …} (medians over the generations), for the log. */
  static String byKind(List<ContainerSampler.Generation> generations) {
    ThreadCpu.Summary s = ThreadCpu.Summary.of(generations.stream().map(ContainerSampler.Generation::threads).toList());
    if (s.generations() == 0) {
      return "no generation's threads were read";
    }
    int rounded = generations.stream().map(ContainerSampler.Generation::threads).filter(b -> b != null)
        .mapToInt(ThreadCpu.Breakdown::roundedThreads).sum();
    return java.util.Arrays.stream(ThreadCpu.Kind.values()).map(k -> String.format(Locale.ROOT, "%s %.2f s", k.label,
        s.medianSeconds().get(k))).collect(Collectors.joining(", ")) + String.format(Locale.ROOT,
        " (median of %d; %d threads seen, %d at most)", s.generations(), s.medianThreadsSeen(), s.medianPeakThreads())
        + (rounded > 0 ? "; " + rounded + " threads read in whole ticks (no /proc/PID/task/TID/schedstat): up to 20 ms"
            + " each counted as unseen" : "");
  }

  private static String seconds(List<Double> values) {
    return values.isEmpty() ? "n/a" : String.join(" ", values.stream()
        .map(v -> String.format(Locale.ROOT, "%.2f", v)).toList());
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
