package dev.baton.agent.it;

import static dev.baton.agent.it.PromptAwait.await;
import static dev.baton.testkit.sample.Replies.PID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.samples.JdkHttpServerApp;
import dev.baton.agent.samples.SpringBootApp;
import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent with the class-data caches users make to start faster, each trained the way its documentation
 * says and then used by workers under {@code baton}: AppCDS on JDK 17 ({@code -XX:ArchiveClassesAtExit},
 * then {@code -XX:SharedArchiveFile}) and JDK 25's AOT cache ({@code -XX:AOTCacheOutput}, then
 * {@code -XX:AOTCache}; JEP 483/514/515), trained with the agent, under {@code baton} (the agent
 * adopting), without the agent, and by Spring Boot's own training run ({@code -Dspring.context.exit=onRefresh}).
 * Each use reloads once under load (no request may fail, every generation says READY=1 and adopts), and
 * then drains a request in flight whose response must ask to close the connection, which only the
 * server's own drain (rewritten JDK HttpServer or Tomcat classes) does. The workers run with
 * {@code -XX:AOTMode=on} / {@code -Xshare:on}, so a cache the JVM cannot use fails the test instead of
 * being silently dropped. The JDK's default CDS archive is what every other agent test runs with.
 *
 * <p>A trained cache is kept under {@code target/class-data-caches}, keyed by everything its training
 * read (agent jar, samples, libraries, JDK, command line): a rerun with nothing changed skips training.
 * The samples are jarred there too (the JVM archives classes from jars only), rewritten only when their
 * classes change: the archives record each jar's modification time.
 */
class ClassDataCacheTest {

  private static final Path CACHES = Path.of("target", "class-data-caches");
  private static final String JAVA_25 = Workers.JAVA_25.toString();
  private static final String JDK_HTTP_SERVER = JdkHttpServerApp.class.getName();
  /** A JVM that crashes on a bad cache writes its report here, not into the module's directory. */
  private static final String ERROR_FILE = "-XX:ErrorFile=" + CACHES.toAbsolutePath().resolve("hs_err_pid%p.log");

  @TempDir
  Path tempDir;

  /** JDK 17 AppCDS, trained without the agent (with it, JDK 17 refuses to dump at all). */
  @Test
  void appCdsOnJdk17() throws Exception {
    Path archive = trainedAlone("jdk17-appcds.jsa", Workers.JAVA_17, List.of("-XX:ArchiveClassesAtExit=%s"),
        JDK_HTTP_SERVER);

    reloadAndDrain(Workers.JAVA_17, List.of("-Xshare:on", "-XX:SharedArchiveFile=" + archive), JDK_HTTP_SERVER);
  }

  /**
   * Trained with the agent on the command line, not under a supervisor: the agent does nothing there, so
   * the cache holds the JDK classes it rewrites, unchanged, and loads them before {@code premain}. Before
   * the agent retransformed them in {@code premain}, the worker's bind was not adopted: BindException.
   */
  @Test
  void aotCacheTrainedWithTheAgent() throws Exception {
    Jdk.JDK_25.assumeInstalled();
    Path cache = trainedAlone("jdk25-with-agent.aot", JAVA_25,
        List.of("-XX:AOTCacheOutput=%s", agentOption()), JDK_HTTP_SERVER);

    reloadAndDrain(JAVA_25, List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache), JDK_HTTP_SERVER);
  }

  /**
   * Trained by a worker under {@code baton}: the agent adopts and rewrites during training, the JVM
   * leaves what it rewrote (and, for JDK 25.0.3's sake, their nested classes) out of the cache.
   */
  @Test
  void aotCacheTrainedUnderBaton() throws Exception {
    Jdk.JDK_25.assumeInstalled();
    Path cache = trained("jdk25-under-baton.aot", JAVA_25, List.of("-XX:AOTCacheOutput=%s"), JDK_HTTP_SERVER,
        this::trainUnderBaton);

    reloadAndDrain(JAVA_25, List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache), JDK_HTTP_SERVER);
  }

  /**
   * Trained without the agent but with its module, as the OpenTelemetry agent documents: the JVM accepts
   * the cache under {@code -javaagent}, and the cached JDK classes load before {@code premain}.
   */
  @Test
  void aotCacheTrainedWithTheAgentsModuleOnly() throws Exception {
    Jdk.JDK_25.assumeInstalled();
    Path cache = trainedAlone("jdk25-java-instrument.aot", JAVA_25,
        List.of("-XX:AOTCacheOutput=%s", "--add-modules=java.instrument"), JDK_HTTP_SERVER);

    reloadAndDrain(JAVA_25, List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache), JDK_HTTP_SERVER);
  }

  /**
   * Trained without the agent and without its module: the JVM refuses the cache under {@code -javaagent}
   * (the module graph differs) and runs without it. The worker adopts as usual; the agent says once what
   * to change.
   */
  @Test
  void aotCacheTrainedWithoutTheAgentIsDroppedWithOneLine() throws Exception {
    Jdk.JDK_25.assumeInstalled();
    Path cache = trainedAlone("jdk25-without-agent.aot", JAVA_25, List.of("-XX:AOTCacheOutput=%s"),
        JDK_HTTP_SERVER);
    int port = FreePorts.next();

    try (StartedProcess supervisor = Workers.start(underBaton(port, JAVA_25, List.of("-XX:AOTCache=" + cache),
        JDK_HTTP_SERVER), Map.of())) {
      awaitReady(supervisor);
      assertThat(PID.ask(port, "/").pid()).isPositive();
      assertThat(supervisor.stderr()).as(supervisor.transcript())
          .contains("baton-agent: adopted " + port + " (fd 3)")
          .filteredOn(line -> line.startsWith("baton-agent: warning: the JVM does not use the archive -XX:AOTCache="))
          .hasSize(1)
          .allMatch(line -> line.contains("--add-modules=java.instrument"));
      assertThat(supervisor.transcript()).doesNotContain("BindException", "Exception in thread");
      supervisor.signal("TERM");
      supervisor.awaitExit(Duration.ofSeconds(30));
    }
  }

  /**
   * Spring Boot's documented training run (the context refreshes, then the JVM exits; no port is bound),
   * with the agent on its command line as on the workers'. The cache loads Tomcat's {@code
   * AbstractEndpoint} (and Jetty's and Reactor Netty's servers, which Spring Boot's conditions touch) before
   * {@code premain}.
   */
  @Test
  void springBootsTrainingRun() throws Exception {
    Jdk.JDK_25.assumeInstalled();
    Path cache = trained("jdk25-spring-boot.aot", JAVA_25,
        List.of("-XX:AOTCacheOutput=%s", "-Dspring.context.exit=onRefresh", agentOption()),
        SpringBootApp.class.getName(), this::trainToExit);

    reloadAndDrain(JAVA_25, List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache), SpringBootApp.class.getName());
  }

  /**
   * The worker under {@code baton} with the cache: one HUP under load, no request failed, both generations
   * adopted and said READY=1; then TERM with a request in flight, whose response asks to close the
   * connection (the server's own drain ran: its rewritten classes are in use) and nothing was logged as a
   * warning or thrown.
   */
  private void reloadAndDrain(String java, List<String> cacheOptions, String mainClass) throws Exception {
    int port = FreePorts.next();
    Path statusFile = tempDir.resolve("status");
    List<String> command = underBaton(port, java, cacheOptions, mainClass);
    command.add(command.indexOf("--"), "--status-file=" + statusFile);
    try (StartedProcess supervisor = Workers.start(command, Map.of())) {
      awaitServing(supervisor, port);
      Set<Long> servedBy = new HashSet<>();
      try (HttpLoad load = ReloadUnderLoad.steadyLoad(port)) {
        await().atMost(Duration.ofSeconds(20)).until(() -> !load.answeringPids().isEmpty());
        servedBy.addAll(load.answeringPids());
        int generationBefore = ReloadUnderLoad.awaitOnlyWorker(statusFile).generation();
        supervisor.signal("HUP");
        await().atMost(Duration.ofSeconds(90))
            .until(() -> ReloadUnderLoad.onlyGeneration(statusFile) > generationBefore);
        await().atMost(Duration.ofSeconds(60)).until(() -> !servedBy.containsAll(load.answeringPids()));
        load.close();
        assertThat(load.failures()).as(supervisor.transcript()).isEmpty();
      }
      try (KeepAliveConnection inFlight = new KeepAliveConnection(port)) {
        inFlight.send("/slow?ms=1000");
        supervisor.awaitStdout(line -> line.startsWith("handling /slow"), Duration.ofSeconds(20));
        supervisor.signal("TERM");
        KeepAliveConnection.Response response = inFlight.read();
        assertThat(response.keepsAlive()).as("the response in flight at the drain: %s", response.head()).isFalse();
      }
      supervisor.awaitExit(Duration.ofSeconds(60));
      String transcript = supervisor.transcript();
      assertThat(transcript.lines().filter(line -> line.contains(") is ready (READY=1 after ")))
          .as(transcript).hasSize(2);
      assertThat(transcript.lines().filter(line -> line.equals("baton-agent: adopted " + port + " (fd 3)")))
          .as(transcript).hasSize(2);
      assertThat(transcript.lines().filter(line -> line.startsWith("baton-agent: drained in ")))
          .as(transcript).hasSize(2);
      assertThat(transcript).as("no JVM or agent warning, nothing thrown")
          .doesNotContain("WARNING", "Exception", "ERROR", "[warning]", "[error]", "baton-agent: warning", "baton-agent: error");
    }
  }

  /** Until {@code baton} says its first worker is ready (by the agent's READY=1); fails at once if baton exits. */
  private static void awaitReady(StartedProcess supervisor) {
    whileAlive(supervisor, () -> supervisor.transcript().contains(") is ready (READY=1 after "));
  }

  /** Until the worker under {@code baton} answers on {@code port}; fails at once if baton exits. */
  private static void awaitServing(StartedProcess supervisor, int port) {
    whileAlive(supervisor, () -> {
      try {
        return PID.ask(port, "/").pid() > 0;
      } catch (IOException notYet) {
        return false;
      }
    });
  }

  /** A worker that cannot start ends {@code baton}: then the test fails with its transcript, not after a minute. */
  private static void whileAlive(StartedProcess supervisor, java.util.concurrent.Callable<Boolean> condition) {
    try {
      await().atMost(Duration.ofSeconds(60)).failFast("baton exited", () -> !supervisor.isAlive()).until(condition);
    } catch (org.awaitility.core.ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
      throw new AssertionError(e.getMessage() + "\n" + supervisor.transcript(), e);
    }
  }

  private static List<String> underBaton(int port, String java, List<String> cacheOptions, String mainClass) {
    List<String> command = new ArrayList<>(BatonProcess.jarCommand(Workers.BATON_JAR, "--port=" + port, "--"));
    command.add(java);
    command.add(ERROR_FILE);
    command.addAll(cacheOptions);
    command.addAll(List.of(agentOption(), "-cp", classpath(), mainClass, Integer.toString(port)));
    return command;
  }

  private static String agentOption() {
    return "-javaagent:" + Workers.AGENT_JAR.toAbsolutePath();
  }

  /** How a training run is driven: {@code command} ends with the main class, the port comes after it. */
  private interface Training {
    void run(List<String> command, Path cache) throws Exception;
  }

  /** A cache trained by the sample alone (no supervisor), serving a few requests before TERM. */
  private Path trainedAlone(String name, String java, List<String> options, String mainClass) throws Exception {
    return trained(name, java, options, mainClass, this::trainAlone);
  }

  /**
   * The cache {@code name}, trained with {@code options} ({@code %s} stands for its path), or the one kept
   * from an earlier run whose inputs were the same.
   */
  private Path trained(String name, String java, List<String> options, String mainClass, Training training)
      throws Exception {
    Path cache = CACHES.resolve(name).toAbsolutePath();
    List<String> command = new ArrayList<>(List.of(java, ERROR_FILE));
    for (String option : options) {
      command.add(option.replace("%s", cache.toString()));
    }
    command.addAll(List.of("-cp", classpath(), mainClass));
    Path keyFile = CACHES.resolve(name + ".key");
    String key = key(command);
    if (Files.isRegularFile(cache) && Files.isRegularFile(keyFile) && Files.readString(keyFile).equals(key)) {
      return cache;
    }
    Files.deleteIfExists(keyFile);
    Files.deleteIfExists(cache);
    training.run(command, cache);
    assertThat(cache).as("written by the training run").isNotEmptyFile();
    Files.writeString(keyFile, key);
    return cache;
  }

  private void trainAlone(List<String> command, Path cache) throws Exception {
    int port = FreePorts.next();
    List<String> withPort = new ArrayList<>(command);
    withPort.add(Integer.toString(port));
    try (StartedProcess trainee = Workers.start(withPort, Map.of())) {
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> PID.ask(port, "/").pid() > 0);
      for (int request = 0; request < 20; request++) {
        PID.ask(port, "/").pid();
      }
      trainee.signal("TERM");
      assertThat(trainee.awaitExit(Duration.ofSeconds(120))).as(trainee.transcript()).isEqualTo(143);
    }
  }

  /** A training run that exits by itself (Spring's {@code spring.context.exit=onRefresh}). */
  private void trainToExit(List<String> command, Path cache) throws Exception {
    List<String> withPort = new ArrayList<>(command);
    withPort.add(Integer.toString(FreePorts.next()));
    try (StartedProcess trainee = Workers.start(withPort, Map.of())) {
      assertThat(trainee.awaitExit(Duration.ofSeconds(240))).as(trainee.transcript()).isZero();
    }
  }

  /** The sample as a worker under {@code baton}, the agent adopting, until TERM; the JVM writes the cache as it exits. */
  private void trainUnderBaton(List<String> command, Path cache) throws Exception {
    int port = FreePorts.next();
    List<String> supervised = new ArrayList<>(BatonProcess.jarCommand(Workers.BATON_JAR, "--port=" + port, "--"));
    supervised.add(command.get(0));
    supervised.add(agentOption());
    supervised.addAll(command.subList(1, command.size()));
    supervised.add(Integer.toString(port));
    try (StartedProcess supervisor = Workers.start(supervised, Map.of())) {
      awaitReady(supervisor);
      for (int request = 0; request < 20; request++) {
        PID.ask(port, "/").pid();
      }
      supervisor.signal("TERM");
      supervisor.awaitExit(Duration.ofSeconds(120));
      assertThat(supervisor.transcript()).contains("baton-agent: adopted " + port + " (fd 3)",
          "AOTCache creation is complete");
    }
  }

  /** The samples jar and the libraries: no directory, which the JVM would refuse to archive classes from. */
  private static String classpath() {
    List<String> entries = new ArrayList<>(List.of(samplesJar().toAbsolutePath().toString()));
    for (String entry : Workers.classpath().split(java.io.File.pathSeparator)) {
      if (entry.endsWith(".jar")) {
        entries.add(entry);
      }
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  private static Path samplesJar;

  /** The sample classes as a jar, rewritten only when they changed (its modification time is in every archive). */
  private static synchronized Path samplesJar() {
    if (samplesJar != null) {
      return samplesJar;
    }
    Path jar = CACHES.resolve("samples.jar");
    try {
      Files.createDirectories(CACHES);
      Path samples = Path.of(Workers.TEST_CLASSES);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (JarOutputStream out = new JarOutputStream(bytes);
          Stream<Path> files = Files.walk(samples.resolve("dev/baton/agent/samples"))) {
        for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
          JarEntry entry = new JarEntry(samples.relativize(file).toString().replace('\\', '/'));
          entry.setTime(0); // the same bytes for the same classes
          out.putNextEntry(entry);
          out.write(Files.readAllBytes(file));
          out.closeEntry();
        }
      }
      byte[] content = bytes.toByteArray();
      if (!Files.isRegularFile(jar) || !java.util.Arrays.equals(Files.readAllBytes(jar), content)) {
        Path written = Files.write(CACHES.resolve("samples.jar.tmp"), content);
        Files.move(written, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      samplesJar = jar;
      return jar;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * What a training run read: its command line; the size and time of the java binary and of every jar on
   * the class path (the JVM checks those itself, and refuses an archive whose jars changed); the agent's
   * classes (the build rewrites its jar every time, and the JVM does not check it: it is not on the class
   * path when the archive is mapped).
   */
  private static String key(List<String> command) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (String part : command) {
        digest.update((part + "\n").getBytes(StandardCharsets.UTF_8));
      }
      List<String> files = new ArrayList<>(List.of(command.get(0)));
      files.addAll(List.of(classpath().split(java.io.File.pathSeparator)));
      for (String file : files) {
        Path path = Path.of(file).toRealPath();
        digest.update((path + " " + Files.size(path) + " " + Files.getLastModifiedTime(path).toMillis() + "\n")
            .getBytes(StandardCharsets.UTF_8));
      }
      try (java.util.zip.ZipFile agent = new java.util.zip.ZipFile(Workers.AGENT_JAR.toFile())) {
        for (java.util.zip.ZipEntry entry : java.util.Collections.list(agent.entries())) {
          digest.update(entry.getName().getBytes(StandardCharsets.UTF_8));
          digest.update(agent.getInputStream(entry).readAllBytes());
        }
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
