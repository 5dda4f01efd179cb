package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.e2e.server.SupervisedServer;
import dev.baton.e2e.server.WorkerKind;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.load.LoadResult;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code baton --jvm-cache}, with the sample server and the agent, on both JDKs (an AOT cache on Temurin 25,
 * an AppCDS archive on Debian's 17): the first generation trains, HUPs under load go on while it trains and
 * while the cache is built, and a later generation starts with the cache — proved by the JVM itself (its
 * {@code -Xlog:class+load} says the sample's classes came from the "shared objects file", the first
 * generation's do not) and by its mapping of the file. No request fails, and nothing is logged as a warning
 * or an error. Then what must not go wrong: a changed flag or jar trains another cache; a cache the JVM
 * rejects (25) or that crashes the JVM (17) is noticed, the worker serves without it, and it is rebuilt.
 * On 25 the agent comes in {@code JAVA_TOOL_OPTIONS}, as in a pod the webhook injects (baton's own JVM gets
 * it too); on 17 it is on the worker's command line.
 *
 * <p>Each JDK's cases share their trainings: one directory under {@code target/}, built up case by case.
 */
class JvmCacheIT {

  private static final Path JAVA_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
  private static final Path JAVA_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
  private static final Pattern STARTED_WITH = Pattern.compile("jvm cache: generation (\\d+) started with (.+)");
  private static final Pattern TRAINS = Pattern.compile("jvm cache: generation \\d+ trains .* (\\p{XDigit}{16}) for");

  @TempDir
  Path logs;

  @Test
  @Timeout(900)
  void aotCacheOnJdk25() throws Exception {
    assumeTrue(Files.isExecutable(JAVA_25), JAVA_25 + " is not installed");
    Path cache = freshDirectory("jdk25");

    // the agent as injected pods get it (JDK 17's case has it on the command line)
    String key = trainedAndUsed(JAVA_25, cache, SupervisedServer.Builder::agentInJavaToolOptions);
    assertThat(Files.readString(cache.resolve(key).resolve("key.txt"))).as("what the key stands for")
        .contains("JAVA_TOOL_OPTIONS=-javaagent:", "agent: " + E2e.home().agentJar().toRealPath());

    assertThat(trainingKey(JAVA_25, cache, b -> b.agentInJavaToolOptions().workerJvmArgs("-Dsample.option=changed")))
        .as("a changed JVM option trains another cache").isNotEqualTo(key);

    // A damaged header: the JVM refuses the cache at start ("bad magic number") and runs without it.
    overwrite(cacheFile(cache, key), 0, new byte[4]);
    String transcript = servesWhileTheCacheIsRebuilt(JAVA_25, cache, SupervisedServer.Builder::agentInJavaToolOptions);
    assertThat(warnings(transcript)).as(transcript).singleElement().asString()
        .contains("AOT cache " + key, "did not use it: the JVM rejected it");
  }

  @Test
  @Timeout(900)
  void appCdsOnJdk17() throws Exception {
    assumeTrue(Files.isExecutable(JAVA_17), JAVA_17 + " is not installed");
    Path cache = freshDirectory("jdk17");

    String key = trainedAndUsed(JAVA_17, cache, b -> {});

    Path jar = logs.resolve("baton-sample.jar");
    Files.copy(E2e.home().sampleJar(), jar);
    assertThat(trainingKey(JAVA_17, cache, b -> b.sampleJar(jar)))
        .as("another jar (a copy) trains another cache").isNotEqualTo(key);

    // Damaged classes: the JVM maps the archive and crashes (SIGSEGV, then abort) before main.
    byte[] noise = new byte[4096];
    new Random(17).nextBytes(noise);
    overwrite(cacheFile(cache, key), Files.size(cacheFile(cache, key)) / 2, noise);
    String transcript = servesWhileTheCacheIsRebuilt(JAVA_17, cache, b -> {});
    assertThat(warnings(transcript)).as(transcript).singleElement().asString()
        .contains("AppCDS archive " + key, "generation 1 failed to start with it, and generation 2 without it came up");
  }

  /**
   * A fresh cache: generation 1 trains under load, reloads go on until a generation starts with the built
   * cache; returns the key.
   */
  private String trainedAndUsed(Path java, Path cache, Consumer<SupervisedServer.Builder> options) throws Exception {
    try (SupervisedServer server = server(java, cache, options)) {
      server.awaitServing(Duration.ofSeconds(120));
      long firstPid = server.control().workers().get(0).pid();
      HttpLoad load = HttpLoad.start(HttpLoad.Options.of(server.port(), 50, 0, false));
      int generation = reloadUntilAGenerationStartsWithTheCache(server);
      load.stop();
      LoadResult result = load.await(Duration.ofSeconds(60));

      String transcript = server.process().output();
      assertThat(result.failed()).as("failed %s, e.g. %s%s", result.failedBy(), load.failureSamples(), E2e.tail(server))
          .isZero();
      assertThat(result.generationsServing(1)).as("generations that served: %s", result.generations()).isGreaterThanOrEqualTo(3);
      long pid = server.control().workers().stream().filter(w -> w.generation() == generation).findFirst().orElseThrow().pid();
      assertThat(classLoadLog(pid)).as("the JVM of generation %d", generation)
          .contains("dev.baton.sample.SampleServer source: shared objects file");
      assertThat(classLoadLog(firstPid)).as("the JVM of generation 1, which trained")
          .contains("dev.baton.sample.SampleServer source: ")
          .doesNotContain("dev.baton.sample.SampleServer source: shared objects file");
      assertThat(Files.readString(Path.of("/proc/" + pid + "/maps"))).contains(cache.toRealPath().toString());
      assertThat(transcript).as("no warning or error, nothing thrown, no crash")
          .doesNotContain("WARNING", "ERROR", "[warning]", "[error]", "baton: warning", "baton: error", "baton-agent: warning",
              "baton-agent: error", "Exception",
              "A fatal error");
      Matcher trains = TRAINS.matcher(transcript);
      assertThat(trains.find()).as(transcript).isTrue();
      return trains.group(1);
    }
  }

  /** The key a generation 1 with these options trains (baton says it as it spawns it). */
  private String trainingKey(Path java, Path cache, Consumer<SupervisedServer.Builder> options) throws Exception {
    try (SupervisedServer server = server(java, cache, options)) {
      return await().atMost(Duration.ofSeconds(60)).until(() -> {
        Matcher m = TRAINS.matcher(server.process().output());
        return m.find() ? m.group(1) : null;
      }, k -> k != null);
    }
  }

  /**
   * baton started again on a damaged cache: its first generation serves (with or without the cache), and
   * reloads go on until a rebuilt cache is in use (no load: that reloads under load lose nothing while a
   * cache is trained and built is {@link #trainedAndUsed}'s). Returns the transcript.
   */
  private String servesWhileTheCacheIsRebuilt(Path java, Path cache, Consumer<SupervisedServer.Builder> options)
      throws Exception {
    try (SupervisedServer server = server(java, cache, options)) {
      server.awaitServing(Duration.ofSeconds(120));
      reloadUntilAGenerationStartsWithTheCache(server);
      assertThat(server.answers()).isTrue();
      return server.process().output();
    }
  }

  private SupervisedServer server(Path java, Path cache, Consumer<SupervisedServer.Builder> options) {
    SupervisedServer.Builder builder = SupervisedServer.builder(E2e.home(), WorkerKind.JDK).sleepMillis(20)
        .workerJava(java.toString())
        .supervisorArgs("--jvm-cache=" + cache)
        .workerJvmArgs("-Xlog:class+load=info:file=" + logs.resolve("class-load-%p.log"));
    options.accept(builder);
    return builder.start();
  }

  /**
   * HUP, wait for that reload to end, again, until baton says a generation started with the cache (after it
   * trained, exited, and the cache was built in the background); returns that generation. Two reloads run
   * while the cache is built, then the build is waited for (each reload's new JVM slows the niced build).
   */
  private static int reloadUntilAGenerationStartsWithTheCache(SupervisedServer server) {
    long deadline = System.nanoTime() + Duration.ofSeconds(600).toNanos();
    int reloadsWhileBuilding = 0;
    while (System.nanoTime() < deadline) {
      Matcher m = STARTED_WITH.matcher(server.process().output());
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      if (building(server)) {
        if (reloadsWhileBuilding == 2) {
          await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(200)).until(() -> !building(server));
        }
        reloadsWhileBuilding++;
      }
      boolean built = server.process().output().contains(" built in ");
      long before = server.control().lastReloadId();
      server.hup();
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
          .until(() -> server.control().reloads().stream().anyMatch(r -> r.id() > before && r.finished()));
      if (built) {
        // this generation started with the cache: baton checks it (in the background) once it is ready
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
          String output = server.process().output();
          return STARTED_WITH.matcher(output).find() || output.contains("did not use it");
        });
      }
    }
    throw new AssertionError("no generation started with the cache:\n" + server.process().output());
  }

  /** baton said it builds the cache and has not said how that ended. */
  private static boolean building(SupervisedServer server) {
    String output = server.process().output();
    return output.contains("jvm cache: building ") && !output.contains(" built in ") && !output.contains("building it failed");
  }

  private String classLoadLog(long pid) throws IOException {
    return Files.readString(logs.resolve("class-load-" + pid + ".log"));
  }

  private static List<String> warnings(String transcript) {
    return transcript.lines().filter(l -> l.startsWith("baton: warning") || l.startsWith("baton: error")).toList();
  }

  private static Path cacheFile(Path cache, String key) throws IOException {
    try (Stream<Path> files = Files.list(cache.resolve(key))) {
      return files.filter(f -> f.getFileName().toString().startsWith("cache.")).findFirst().orElseThrow();
    }
  }

  private static void overwrite(Path file, long at, byte[] bytes) throws IOException {
    file.toFile().setWritable(true, true); // the JDK writes an AppCDS archive read-only
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(at);
      f.write(bytes);
    }
  }

  private static Path freshDirectory(String name) throws IOException {
    Path dir = Path.of("target", "jvm-cache-it", name).toAbsolutePath();
    if (Files.exists(dir)) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : new ArrayList<>(files.sorted(java.util.Comparator.reverseOrder()).toList())) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(dir.getParent());
    return dir;
  }
}
