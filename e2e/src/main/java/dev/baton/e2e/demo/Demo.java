package dev.baton.e2e.demo;

import dev.baton.e2e.control.ControlClient;
import dev.baton.e2e.control.Reload;
import dev.baton.e2e.server.SupervisedServer;
import dev.baton.e2e.server.WorkerKind;
import dev.baton.e2e.timeline.GenerationLives;
import dev.baton.e2e.timeline.Timeline;
import dev.baton.e2e.timeline.TimelinePicture;
import dev.baton.testkit.baton.BatonHome;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.load.LoadResult;
import dev.baton.testkit.load.RequestLog;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/baton-demo}: the sample server under {@code bin/baton} with the agent, HTTP load from
 * client threads, {@code kill -HUP} several times, then what happened: generations, requests each
 * served, failed requests (must be 0) and reload latencies. Exit status 1 if a request failed.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Reload a JVM server under load with baton and count what was lost (nothing, we hope).")
public final class Demo implements Callable<Integer> {

  @Option(names = "--worker", paramLabel = "jdk|vertx|spring", defaultValue = "jdk",
      description = "The sample server: JDK HttpServer, Vert.x or Spring Boot (default: ${DEFAULT-VALUE}).")
  String worker;

  @Option(names = "--reloads", paramLabel = "N", defaultValue = "5", description = "How many HUPs (default: ${DEFAULT-VALUE}).")
  int reloads;

  @Option(names = "--clients", paramLabel = "N", defaultValue = "50",
      description = "Concurrent client threads (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--sleep", paramLabel = "MS", defaultValue = "100",
      description = "How long the handler sleeps per request (default: ${DEFAULT-VALUE}).")
  long sleepMillis;

  @Option(names = "--pause", paramLabel = "MS", defaultValue = "1500",
      description = "Load between one reload's end and the next HUP (default: ${DEFAULT-VALUE}).")
  long pauseMillis;

  @Option(names = {"-k", "--keep-alive"}, description = "Reuse client connections (default: one per request).")
  boolean keepAlive;

  @Option(names = "--quiet", description = "Do not show baton's and the workers' output.")
  boolean quiet;

  @Option(names = "--timeline", paramLabel = "FILE",
      description = "Also draw the run as FILE (.svg or .png): requests/s and p99 latency per 100 ms, each generation's"
          + " life, the HUPs; its numbers go beside it as .tsv.")
  Path timeline;

  @Option(names = "--jvm-cache", paramLabel = "DIR|off",
      description = "baton's --jvm-cache: the first generation trains a class-data cache, later ones start with it;"
          + " kept between runs (default: e2e/target/jvm-cache in the checkout; off: none).")
  String jvmCache;

  private final PrintStream out = System.out;
  private volatile boolean reporting;
  private volatile HttpLoad load;
  private final long t0 = System.nanoTime();

  @Override
  public Integer call() throws Exception {
    WorkerKind kind = WorkerKind.of(worker);
    if (!kind.jvm()) {
      throw new IllegalArgumentException("the demo runs a JVM worker: jdk, vertx or spring");
    }
    if (timeline != null && !timeline.getFileName().toString().matches("(?i).+\\.(svg|png)")) {
      throw new IllegalArgumentException("--timeline " + timeline + ": the picture is a .svg or .png file");
    }
    BatonHome home = BatonHome.locate().requireBuilt();
    out.printf("Baton demo: the %s sample (each request sleeps %d ms) under bin/baton with -javaagent:%s%n",
        kind.title(), sleepMillis,
        home.agentJar().startsWith(home.root()) ? home.root().relativize(home.agentJar()) : home.agentJar());
    out.printf("           %d client threads (%s), %d reloads with kill -HUP, then the tally.%n", clients,
        keepAlive ? "keep-alive" : "a connection per request", reloads);
    List<String> batonOptions = new ArrayList<>();
    if (!"off".equals(jvmCache)) {
      Path cache = jvmCache != null ? Path.of(jvmCache).toAbsolutePath()
          : home.root().resolve("e2e/target/jvm-cache");
      batonOptions.add("--jvm-cache=" + cache);
      out.printf("           --jvm-cache %s: generation 1 trains a class-data cache, later ones start with it.%n", cache);
    }
    out.println();

    SupervisedServer server = SupervisedServer.builder(home, kind).sleepMillis(sleepMillis)
        .supervisorArgs(batonOptions.toArray(new String[0]))
        .echo(quiet ? null : line -> {
          if (!reporting) {
            say("  | " + line);
          }
        }).start();
    AtomicBoolean closed = new AtomicBoolean();
    Runnable cleanup = () -> {
      if (closed.compareAndSet(false, true)) {
        server.close();
      }
    };
    Thread hook = new Thread(() -> {
      if (!closed.get()) {
        reporting = true; // baton's own shutdown lines would only add noise now
        HttpLoad running = load;
        if (running != null) {
          running.stop();
        }
        out.println("interrupted: stopping baton and its workers, removing " + server.dir());
      }
      cleanup.run();
    }, "demo-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return run(server);
    } finally {
      cleanup.run();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down (Ctrl-C): the hook did the cleanup
      }
    }
  }

  private int run(SupervisedServer server) throws InterruptedException, IOException {
    say("starting baton on " + server.url() + " (control API on " + server.controlUrl() + ")");
    server.awaitServing(Duration.ofSeconds(60));
    say("serving: " + server.get().trim());
    RequestLog requests = timeline == null ? null : new RequestLog();
    List<Long> hups = new ArrayList<>();
    long loadStart = System.currentTimeMillis();
    HttpLoad load = HttpLoad.start(HttpLoad.Options.of(server.port(), clients, 0, keepAlive), requests);
    this.load = load;
    Thread progress = progress(load);
    ControlClient control = server.control();
    List<Reload> done = new ArrayList<>();
    Thread.sleep(pauseMillis);
    for (int i = 1; i <= reloads; i++) {
      long lastId = control.lastReloadId();
      say(String.format(Locale.ROOT, "reload %d/%d: kill -HUP %d", i, reloads, server.supervisorPid()));
      hups.add(System.currentTimeMillis());
      server.hup();
      Reload reload = awaitReload(control, lastId, Duration.ofSeconds(90));
      done.add(reload);
      say(String.format(Locale.ROOT, "reload %d/%d: %s, generation %d ready after %d ms, old one gone after %d ms",
          i, reloads, reload.state(), reload.generation(), reload.readyMillis(), reload.doneMillis()));
      Thread.sleep(pauseMillis);
    }
    load.stop();
    LoadResult result = load.await(Duration.ofSeconds(60));
    long loadEnd = System.currentTimeMillis();
    progress.interrupt();
    progress.join();
    reporting = true;
    String picture = null;
    if (requests != null) {
      picture = draw(Timeline.of(String.format(Locale.ROOT, "%s under baton: %d clients, %d HUPs", server.kind().title(),
          clients, reloads), loadStart, loadEnd, 100, requests.requests(),
          GenerationLives.read(server.process().lines()), hups));
    }
    return report(result, load, done, picture);
  }

  /** Writes the picture and its numbers; returns the line that names them. */
  private String draw(Timeline picture) throws IOException {
    TimelinePicture.write(picture, timeline);
    String name = timeline.getFileName().toString();
    Path numbers = timeline.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".tsv");
    Files.writeString(numbers, picture.tsv());
    return "Timeline: " + timeline + " (its numbers: " + numbers + ")";
  }

  private int report(LoadResult result, HttpLoad load, List<Reload> reloadsDone, String picture) {
    out.println();
    out.println("Generations (from the responses' bodies):");
    out.println("  gen      pid  requests  HUP -> ready  HUP -> old gone");
    Map<Integer, Long> pids = load.pids();
    result.generations().forEach((gen, n) -> {
      Reload reload = reloadsDone.stream().filter(r -> r.generation() == gen).findFirst().orElse(null);
      String latency = reload == null ? "      (first)" : String.format(Locale.ROOT, "%10d ms  %12d ms",
          reload.readyMillis(), reload.doneMillis());
      out.printf(Locale.ROOT, "  %3d  %7d  %8d  %s%n", gen, pids.getOrDefault(gen, 0L), n, latency);
    });
    out.println();
    out.printf(Locale.ROOT, "Requests: %d answered in %.1f s (%.0f/s); failed %d (%s); non-2xx %d%n",
        result.complete(), result.seconds(), result.requestsPerSecond(), result.failed(),
        result.failedByText(HttpLoad.CATEGORIES), result.non2xx());
    out.printf(Locale.ROOT, "Latency:  p50 %.0f ms, p99 %.0f ms, max %.0f ms%n", result.p50Millis(), result.p99Millis(),
        result.maxMillis());
    long succeeded = reloadsDone.stream().filter(Reload::succeeded).count();
    out.printf(Locale.ROOT, "Reloads:  %d of %d succeeded; HUP -> new generation ready: median %d ms, max %d ms;"
            + " HUP -> old generation gone: median %d ms, max %d ms%n", succeeded, reloadsDone.size(),
        median(reloadsDone, true), max(reloadsDone, true), median(reloadsDone, false), max(reloadsDone, false));
    if (keepAlive) {
      out.printf(Locale.ROOT, "          %d idle keep-alive connections were closed by a retiring worker"
          + " (sent again, as ab -k does)%n", load.idleCloses());
    }
    if (picture != null) {
      out.println(picture);
    }
    out.println();
    boolean ok = result.failed() == 0 && result.non2xx() == 0 && succeeded == reloadsDone.size();
    if (ok) {
      out.printf(Locale.ROOT, "PASS: %d requests, %d reloads, %d generations served, 0 failed.%n", result.complete(),
          succeeded, result.generations().size());
      return 0;
    }
    out.println("FAIL: " + (result.failed() + result.non2xx()) + " request(s) failed or reloads did not succeed.");
    load.failureSamples().forEach(f -> out.println("  " + f));
    return 1;
  }

  private static Reload awaitReload(ControlClient control, long lastId, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (Reload r : control.reloads()) {
        if (r.id() > lastId && r.finished()) {
          return r;
        }
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the reload did not finish within " + timeout);
  }

  private Thread progress(HttpLoad load) {
    Thread thread = new Thread(() -> {
      try {
        while (true) {
          Thread.sleep(1000);
          StringBuilder gens = new StringBuilder();
          load.generations().forEach((g, n) -> gens.append(" gen ").append(g).append(": ").append(n));
          say(load.progress() + " |" + gens);
        }
      } catch (InterruptedException e) {
        // done
      }
    }, "demo-progress");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static long median(List<Reload> reloads, boolean ready) {
    long[] values = reloads.stream().mapToLong(r -> ready ? r.readyMillis() : r.doneMillis()).sorted().toArray();
    return values.length == 0 ? 0 : values[values.length / 2];
  }

  private static long max(List<Reload> reloads, boolean ready) {
    return reloads.stream().mapToLong(r -> ready ? r.readyMillis() : r.doneMillis()).max().orElse(0);
  }

  private synchronized void say(String line) {
    out.printf(Locale.ROOT, "[%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, line);
  }
}
