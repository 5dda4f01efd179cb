package dev.baton.e2e.bench;

import dev.baton.testkit.baton.BatonHome;
import dev.baton.testkit.load.LoadResult;
import dev.baton.testkit.load.Wrk;
import dev.baton.testkit.port.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench/agent-cost}: what {@code -javaagent:baton-agent.jar} costs an unmodified server, as
 * ratios against the same server without it. Start-up: the time from spawning the JVM to its first HTTP
 * response, median of several runs, the two variants interleaved so that a busy machine slows both
 * alike. Per request: wrk against each variant after a warm-up.
 *
 * <p>The agent only acts under a supervisor (with {@code SERVER_STARTER_PORT}); the supervisor here is a
 * few lines of Perl that bind the port, export the variable and exec the JVM, so that nothing but the
 * agent differs: the plain variant goes through the same Perl {@code exec}, without the socket, and
 * binds the port itself.
 */
@Command(name = "agent-cost", mixinStandardHelpOptions = true,
    description = "The agent's start-up and per-request cost, against the same sample server without it.")
public final class AgentCost implements Callable<Integer> {

  /** {@code perl -e LAUNCHER PORT|- cmd...}: binds 127.0.0.1:PORT as fd 3 (unless "-") and execs cmd. */
  private static final String LAUNCHER = String.join("\n",
      "use strict; use Socket; use POSIX ();",
      "my $port = shift;",
      "$^F = 3; # fd 3 is not close-on-exec",
      "my $s; # not scoped to the if: Perl would close the socket at the block's end when it is fd 3",
      "if ($port ne '-') {",
      "  socket($s, PF_INET, SOCK_STREAM, 0) or die \"socket: $!\";",
      "  setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1);",
      "  bind($s, pack_sockaddr_in($port, inet_aton('127.0.0.1'))) or die \"bind $port: $!\";",
      "  listen($s, 1024) or die \"listen: $!\";",
      "  if (fileno($s) != 3) { POSIX::dup2(fileno($s), 3) or die \"dup2: $!\"; }",
      "  $ENV{SERVER_STARTER_PORT} = \"127.0.0.1:$port=3\";",
      "}",
      "exec @ARGV or die \"exec: $!\";");

  @Option(names = "--runs", paramLabel = "N", defaultValue = "11",
      description = "Start-ups per variant (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--worker", paramLabel = "jdk,vertx", split = ",", defaultValue = "jdk,vertx",
      description = "Sample servers to measure (default: ${DEFAULT-VALUE}).")
  List<String> workers;

  @Option(names = "--java", paramLabel = "PATH", split = ",",
      description = "java executables to measure with (default: the one running this; e.g. "
          + "java,/usr/lib/jvm/temurin-25-jdk-amd64/bin/java).")
  List<String> javas;

  @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "10",
      description = "wrk's run per variant, after a warm-up as long (default: ${DEFAULT-VALUE}; 0 skips it).")
  int duration;

  @Option(names = "--connections", paramLabel = "C", defaultValue = "50",
      description = "wrk's connections (default: ${DEFAULT-VALUE}).")
  int connections;

  @Option(names = "--jvm-args", paramLabel = "ARGS",
      description = "Options for the sample's JVM in both variants, space-separated (default: none).")
  String jvmArgs;

  @Option(names = "--cache", paramLabel = "none,auto", split = ",", defaultValue = "none,auto",
      description = "Class-data caches to measure with, each a row of its own (default: ${DEFAULT-VALUE}): none; "
          + "appcds (an AppCDS archive of a training run without the agent, used by both variants: JDK 17 refuses "
          + "to dump with an agent); aot (a JDK 25 AOT cache per variant, trained with that variant's command "
          + "line, -javaagent included, without a supervisor); auto (aot on JDK 25 and later, else appcds).")
  List<String> caches;

  @Option(names = "--out", paramLabel = "DIR", description = "Where the Markdown report goes (default: bench/results).")
  Path out;

  @Option(names = "--no-write", description = "Print the report only.")
  boolean noWrite;

  /** The sample JVM's options in the current measurement, each variant's: --jvm-args and its cache. */
  private List<String> plainJvmOptions = List.of();
  private List<String> agentJvmOptions = List.of();

  /** One server measured both ways, with one kind of cache. */
  record Row(String java, String worker, String cache, List<Long> plainMillis, List<Long> agentMillis,
      LoadResult plainLoad, LoadResult agentLoad) {}

  /** A class-data cache as measured: how it is made and used for each variant. */
  enum Cache {
    NONE("none"),
    APPCDS("AppCDS"),
    AOT("AOT cache"),
    /** baton's own {@code --jvm-cache}: the kind the JDK has, trained by a generation under load (reload-under-load only). */
    BATON("baton --jvm-cache");

    final String label;

    Cache(String label) {
      this.label = label;
    }

    /**
     * {@code none}, {@code appcds}, {@code aot}, {@code auto}: the JDK's own kind (AOT cache from JDK 25), or
     * {@code baton}: baton's {@code --jvm-cache}.
     */
    static Cache parse(String name, int javaFeature) {
      return switch (name.trim().toLowerCase(Locale.ROOT)) {
        case "none" -> NONE;
        case "appcds", "cds" -> APPCDS;
        case "aot" -> AOT;
        case "auto" -> javaFeature >= 25 ? AOT : APPCDS;
        case "baton" -> BATON;
        default -> throw new IllegalArgumentException("--cache " + name + ": expected none, appcds, aot, auto or baton");
      };
    }
  }

  @Override
  public Integer call() throws Exception {
    BatonHome home = BatonHome.locate().requireBuilt();
    if (duration > 0 && !Wrk.installed()) {
      throw new IllegalStateException("wrk is missing (apt-get install wrk), or pass --duration 0");
    }
    List<String> javaCommands = javas == null || javas.isEmpty()
        ? List.of(ProcessHandle.current().info().command().orElse("java"))
        : javas;
    List<Row> rows = new ArrayList<>();
    for (String java : javaCommands) {
      int feature = javaFeature(java);
      for (String worker : workers) {
        for (String cache : caches) {
          rows.add(measure(home, java, worker, Cache.parse(cache, feature)));
        }
      }
    }
    String report = report(Machine.facts(home.root(), home.agentJar()), rows);
    System.out.println(report);
    if (!noWrite) {
      Path dir = out != null ? out : home.results();
      Files.createDirectories(dir);
      Path file = dir.resolve("agent-cost-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
          + ".md");
      Files.writeString(file, report);
      System.err.println("written to " + file);
    }
    return 0;
  }

  private Row measure(BatonHome home, String java, String worker, Cache cache) throws Exception {
    String version = javaVersion(java);
    List<String> common = List.of(ReloadUnderLoad.jvmArgs(jvmArgs));
    plainJvmOptions = new ArrayList<>(common);
    agentJvmOptions = new ArrayList<>(common);
    if (cache == Cache.BATON) {
      throw new IllegalArgumentException("--cache baton: agent-cost starts the JVM without baton; use appcds, aot or auto"
          + " (baton's --jvm-cache makes the same kinds), or bench/reload-under-load --cache baton");
    }
    if (cache != Cache.NONE) {
      System.err.printf(Locale.ROOT, "== %s on %s: %s training run(s)%n", worker, version, cache.label);
      Path dir = Files.createTempDirectory("agent-cost-cache-");
      if (cache == Cache.APPCDS) {
        Path archive = AppCds.archive(home, java, worker, common, dir);
        plainJvmOptions.add("-XX:SharedArchiveFile=" + archive);
        agentJvmOptions.add("-XX:SharedArchiveFile=" + archive);
      } else {
        // -XX:AOTMode=on: a cache the JVM cannot use fails the run instead of being measured as used.
        plainJvmOptions.addAll(List.of("-XX:AOTMode=on",
            "-XX:AOTCache=" + AppCds.aotCache(home, java, worker, common, null, dir)));
        agentJvmOptions.addAll(List.of("-XX:AOTMode=on",
            "-XX:AOTCache=" + AppCds.aotCache(home, java, worker, common, home.agentJar(), dir)));
      }
    }
    System.err.printf(Locale.ROOT, "== %s on %s, cache %s: %d start-ups each way%n", worker, version, cache.label, runs);
    List<Long> plain = new ArrayList<>();
    List<Long> agent = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      plain.add(timeToFirstResponse(home, java, worker, false));
      agent.add(timeToFirstResponse(home, java, worker, true));
      System.err.printf(Locale.ROOT, "  run %d: without agent %d ms, with agent %d ms%n", i + 1,
          plain.get(i), agent.get(i));
    }
    LoadResult plainLoad = null;
    LoadResult agentLoad = null;
    if (duration > 0) {
      plainLoad = throughput(home, java, worker, false);
      agentLoad = throughput(home, java, worker, true);
    }
    return new Row(version, worker, cache.label, plain, agent, plainLoad, agentLoad);
  }

  private long timeToFirstResponse(BatonHome home, String java, String worker, boolean withAgent) throws Exception {
    int port = FreePorts.next();
    long start = System.nanoTime();
    Path log = Files.createTempFile("agent-cost-", ".log");
    Process server = start(home, java, worker, port, withAgent, log);
    try {
      long deadline = start + TimeUnit.SECONDS.toNanos(120);
      while (!AppCds.answers(port)) {
        if (!server.isAlive()) {
          throw new IllegalStateException(worker + " exited with " + server.exitValue() + " before answering");
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(worker + " did not answer within 120 s");
        }
        Thread.sleep(2);
      }
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      requireAdoptedIfAgent(withAgent, log);
      return millis;
    } finally {
      stop(server);
      Files.deleteIfExists(log);
    }
  }

  private LoadResult throughput(BatonHome home, String java, String worker, boolean withAgent) throws Exception {
    int port = FreePorts.next();
    Path log = Files.createTempFile("agent-cost-", ".log");
    Process server = start(home, java, worker, port, withAgent, log);
    try {
      while (!AppCds.answers(port)) {
        if (!server.isAlive()) {
          throw new IllegalStateException(worker + " exited with " + server.exitValue() + " before answering");
        }
        Thread.sleep(10);
      }
      requireAdoptedIfAgent(withAgent, log);
      String url = "http://127.0.0.1:" + port + "/";
      System.err.printf(Locale.ROOT, "  wrk %s agent: %d s warm-up, %d s measured%n", withAgent ? "with" : "without",
          duration, duration);
      Wrk.run(url, connections, duration, 2);
      LoadResult result = Wrk.run(url, connections, duration, 2);
      System.err.printf(Locale.ROOT, "    %.0f req/s, p50 %.2f ms, p99 %.2f ms%n", result.requestsPerSecond(),
          result.p50Millis(), result.p99Millis());
      return result;
    } finally {
      stop(server);
      Files.deleteIfExists(log);
    }
  }

  /**
   * The figures mean something only if the agent took the adoption path: a worker that fell back to a
   * normal bind (say, the inherited fd was lost on the way) would be measured as "with agent" otherwise.
   */
  private static void requireAdoptedIfAgent(boolean withAgent, Path log) throws IOException {
    if (withAgent && !Files.readString(log).contains("baton-agent: adopted")) {
      throw new IllegalStateException("the sample under the agent did not adopt the inherited socket, so the "
          + "figures would not measure the agent's real path; its output:\n" + Files.readString(log));
    }
  }

  private Process start(BatonHome home, String java, String worker, int port, boolean withAgent, Path log)
      throws IOException {
    List<String> command = new ArrayList<>(List.of("perl", "-e", LAUNCHER, withAgent ? Integer.toString(port) : "-",
        java));
    command.addAll(withAgent ? agentJvmOptions : plainJvmOptions);
    if (withAgent) {
      command.add("-javaagent:" + home.agentJar());
    }
    command.addAll(List.of("-jar", home.sampleJar().toString(), worker, "--port", Integer.toString(port)));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().remove("SERVER_STARTER_PORT");
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    return builder.start();
  }

  private static void stop(Process server) throws InterruptedException {
    server.destroy();
    if (!server.waitFor(30, TimeUnit.SECONDS)) {
      server.destroyForcibly().waitFor();
    }
  }

  /** The JDK's feature release (17, 25), from {@code java -version}'s first line. */
  static int javaFeature(String java) {
    Matcher version = Pattern.compile("version \"(\\d+)").matcher(javaVersion(java));
    return version.find() ? Integer.parseInt(version.group(1)) : 0;
  }

  private static String javaVersion(String java) {
    String output = Machine.run(List.of(java, "-version"));
    return output.lines().filter(l -> l.contains("version")).findFirst().orElse(java).trim();
  }

  static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private String report(Map<String, String> facts, List<Row> rows) {
    StringBuilder md = new StringBuilder("# Agent cost\n\n");
    md.append(String.format(Locale.ROOT, "Sample servers (`e2e/target/baton-sample.jar`, handler without sleep) "
        + "started %d times each way, interleaved; time from spawn to the first HTTP 200 (median, min-max). "
        + "Per request: wrk -t2 -c%d, %d s after a %d s warm-up. Target: at most +100 ms to the median time to "
        + "first response, no measurable per-request cost. JVM options: %s.%n%n", runs, connections, duration, duration,
        jvmArgs == null || jvmArgs.isBlank() ? "none (the JVM's defaults)" : "`" + jvmArgs.trim() + "`"));
    md.append("Caches: AppCDS is one archive per JVM and server, made by a training run without the agent "
        + "(`-XX:ArchiveClassesAtExit`; JDK 17 refuses to dump with an agent) and used by both variants "
        + "(`-XX:SharedArchiveFile`). AOT cache is one JDK 25 cache per variant, made by a training run of that "
        + "variant's command line (`-XX:AOTCacheOutput`; the agent variant's with `-javaagent`, without a "
        + "supervisor, so the agent is idle) and used with `-XX:AOTMode=on -XX:AOTCache`. The agent's own rewrite "
        + "cache (`~/.cache/baton-agent`) is written by the first start that needs it and read back by later ones."
        + "\n\n");
    md.append("| JVM | server | cache | first response, no agent | with agent | added (median) | ratio |"
        + " req/s, no agent | with agent | ratio | p50 ms, no agent | with agent |\n");
    md.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row row : rows) {
      long plain = median(row.plainMillis());
      long agent = median(row.agentMillis());
      md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d ms (%d-%d) | %d ms (%d-%d) | **%+d ms** | %.2f |",
          row.java(), row.worker(), row.cache(), plain, Collections.min(row.plainMillis()),
          Collections.max(row.plainMillis()),
          agent, Collections.min(row.agentMillis()), Collections.max(row.agentMillis()), agent - plain,
          (double) agent / plain));
      if (row.plainLoad() != null) {
        md.append(String.format(Locale.ROOT, " %.0f | %.0f | %.3f | %.2f | %.2f |%n", row.plainLoad().requestsPerSecond(),
            row.agentLoad().requestsPerSecond(), row.agentLoad().requestsPerSecond() / row.plainLoad().requestsPerSecond(),
            row.plainLoad().p50Millis(), row.agentLoad().p50Millis()));
      } else {
        md.append(" | | | | |\n");
      }
    }
    md.append("\n## Machine\n\n");
    facts.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    return md.toString();
  }
}
