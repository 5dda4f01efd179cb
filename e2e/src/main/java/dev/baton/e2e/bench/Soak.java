package dev.baton.e2e.bench;

import dev.baton.e2e.server.SupervisedServer;
import dev.baton.e2e.server.WorkerKind;
import dev.baton.testkit.baton.BatonHome;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.load.LoadResult;
import dev.baton.testkit.process.ProcStats;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench/soak}: the sample JDK HttpServer under baton with the agent, a steady load from the
 * HttpLoad client, and {@code kill -HUP} every period for a long time (an hour by default). Samples the
 * supervisor's RSS, open descriptors and threads as it goes; a supervisor that leaks per reload shows a
 * rising line here. Prints a Markdown report (start, end, max of each, and the samples) and writes it
 * under {@code bench/results/}; exits 1 if any request failed.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
    description = "Soak: HUP every period under load for a long time; the supervisor's RSS, fds and threads over time.")
public final class Soak implements Callable<Integer> {

  @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "3600",
      description = "How long to run (default: ${DEFAULT-VALUE}).")
  long durationSeconds;

  @Option(names = "--hup-period", paramLabel = "SECONDS", defaultValue = "2",
      description = "Seconds between two HUPs (default: ${DEFAULT-VALUE}).")
  double hupPeriod;

  @Option(names = {"-c", "--concurrency"}, paramLabel = "C", defaultValue = "20",
      description = "Client threads, a connection per request (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--sleep", paramLabel = "MS", defaultValue = "10",
      description = "How long the handler sleeps per request (default: ${DEFAULT-VALUE}).")
  long sleepMillis;

  @Option(names = "--sample-every", paramLabel = "SECONDS", defaultValue = "30",
      description = "Seconds between two samples of the supervisor (default: ${DEFAULT-VALUE}).")
  long sampleSeconds;

  @Option(names = "--out", paramLabel = "DIR", description = "Where the Markdown report goes (default: bench/results).")
  Path out;

  /** One look at the supervisor. */
  record Sample(long atSeconds, long rssKb, long fds, long threads, long answered, long failed, long generation) {}

  @Override
  public Integer call() throws Exception {
    BatonHome home = BatonHome.locate().requireBuilt();
    say(String.format(Locale.ROOT, "soak: %d s, HUP every %.1f s, %d clients, handler sleeps %d ms", durationSeconds,
        hupPeriod, concurrency, sleepMillis));
    List<Sample> samples = new ArrayList<>();
    LoadResult result;
    JsonObject lastStatus;
    try (SupervisedServer server = SupervisedServer.builder(home, WorkerKind.JDK).sleepMillis(sleepMillis).start()) {
      server.awaitServing(Duration.ofSeconds(60));
      // the JVM's pid (bin/baton execs it), as baton itself reports it
      long pid = server.control().status().getLong("pid");
      HttpLoad load = HttpLoad.start(HttpLoad.Options.of(server.port(), concurrency, 0, false));
      long start = System.nanoTime();
      samples.add(sample(pid, start, load, server));
      ScheduledExecutorService hups = Executors.newSingleThreadScheduledExecutor();
      long periodMillis = Math.round(hupPeriod * 1000);
      hups.scheduleAtFixedRate(server::hup, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
      long end = start + TimeUnit.SECONDS.toNanos(durationSeconds);
      try {
        while (System.nanoTime() < end) {
          Thread.sleep(Math.min(TimeUnit.SECONDS.toMillis(sampleSeconds), Math.max(1, (end - System.nanoTime()) / 1_000_000)));
          Sample s = sample(pid, start, load, server);
          samples.add(s);
          say(String.format(Locale.ROOT, "%5d s  RSS %6d kB  fds %4d  threads %3d  answered %9d  failed %d  generation %d",
              s.atSeconds(), s.rssKb(), s.fds(), s.threads(), s.answered(), s.failed(), s.generation()));
        }
      } finally {
        hups.shutdownNow();
        hups.awaitTermination(10, TimeUnit.SECONDS);
      }
      // the last reload settles under load, so the last sample is a quiet supervisor again
      Thread.sleep(5000);
      samples.add(sample(pid, start, load, server));
      lastStatus = server.control().status();
      load.stop();
      result = load.await(Duration.ofSeconds(60));
    }
    String report = report(home, samples, result, lastStatus);
    System.out.println(report);
    Path dir = out != null ? out : home.results();
    Files.createDirectories(dir);
    Path file = dir.resolve("soak-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
        + (durationSeconds < 3600 ? "-short" : "") + ".md");
    Files.writeString(file, report);
    say("written to " + file);
    return result.failed() == 0 && result.non2xx() == 0 ? 0 : 1;
  }

  private static Sample sample(long pid, long start, HttpLoad load, SupervisedServer server) {
    ProcStats stats = ProcStats.read(pid);
    JsonObject status = server.control().status();
    return new Sample((System.nanoTime() - start) / 1_000_000_000L, stats == null ? -1 : stats.rssKb(), count("/proc/" + pid + "/fd"),
        count("/proc/" + pid + "/task"), load.completed(), load.failed(), status == null ? -1 : status.getLong("generation"));
  }

  private static long count(String directory) {
    try (Stream<Path> entries = Files.list(Path.of(directory))) {
      return entries.count();
    } catch (IOException e) {
      return -1;
    }
  }

  private String report(BatonHome home, List<Sample> samples, LoadResult result, JsonObject status) {
    StringBuilder md = new StringBuilder();
    md.append("# Soak: HUP every ").append(fmt(hupPeriod)).append(" s under load for ").append(durationSeconds).append(" s\n\n");
    md.append("The sample JDK HttpServer (handler sleeps ").append(sleepMillis).append(" ms) under `bin/baton` with the agent; ")
        .append(concurrency).append(" client threads, a connection per request (HttpLoad); `kill -HUP` every ")
        .append(fmt(hupPeriod)).append(" s. The supervisor's figures are from `/proc/PID/{status,fd,task}` of baton's JVM.\n\n");
    Map<String, Long> reloads = new java.util.TreeMap<>();
    if (status != null) {
      status.getJsonArray("reloads").forEach(r -> reloads.merge(((JsonObject) r).getString("state"), 1L, Long::sum));
    }
    md.append("## Result\n\n");
    md.append("| | |\n|---|---|\n");
    md.append("| requests answered | ").append(result.complete()).append(" |\n");
    md.append("| failed | **").append(result.failed()).append("** ").append(result.failedBy()).append(" |\n");
    md.append("| non-2xx | ").append(result.non2xx()).append(" |\n");
    md.append("| generations spawned | ").append(status == null ? "n/a" : status.getLong("generation")).append(" |\n");
    md.append("| last 20 reloads by state | ").append(reloads).append(" |\n\n");
    md.append("## Supervisor over time\n\n| | start | end | max |\n|---|---|---|---|\n");
    row(md, "RSS (kB)", samples.stream().mapToLong(Sample::rssKb).toArray());
    row(md, "open fds", samples.stream().mapToLong(Sample::fds).toArray());
    row(md, "threads", samples.stream().mapToLong(Sample::threads).toArray());
    md.append("\n| s | RSS kB | fds | threads | answered | failed | generation |\n|---|---|---|---|---|---|---|\n");
    for (Sample s : samples) {
      md.append("| ").append(s.atSeconds()).append(" | ").append(s.rssKb()).append(" | ").append(s.fds()).append(" | ")
          .append(s.threads()).append(" | ").append(s.answered()).append(" | ").append(s.failed()).append(" | ")
          .append(s.generation()).append(" |\n");
    }
    md.append("\n## Machine\n\n| | |\n|---|---|\n");
    Machine.facts(home.root(), home.agentJar()).forEach((k, v) -> md.append("| ").append(k).append(" | ")
        .append(v.replace("|", "\\|").replace("\n", " ")).append(" |\n"));
    return md.toString();
  }

  private static void row(StringBuilder md, String name, long[] values) {
    long max = java.util.Arrays.stream(values).max().orElse(-1);
    md.append("| ").append(name).append(" | ").append(values[0]).append(" | ").append(values[values.length - 1])
        .append(" | ").append(max).append(" |\n");
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static void say(String line) {
    System.err.println(line);
  }
}
