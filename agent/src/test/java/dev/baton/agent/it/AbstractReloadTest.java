package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.baton.agent.it.PromptAwait.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's whole point, per server type: an unmodified server run under {@code baton} (or Perl's real
 * start_server, where a test says so) with {@code -javaagent:baton-agent.jar}, reloaded with
 * {@code kill -HUP} several times while clients send requests, with and without keep-alive. No request
 * may fail, every response must be complete, and the pid answering changes. Under {@code baton} the old
 * worker is retired when the new one said {@code READY=1}; Perl's retires it one second after the spawn.
 */
abstract class AbstractReloadTest {

  static final int RELOADS = 3;

  @TempDir
  Path tempDir;

  /** The supervisors the reload tests run under. */
  enum Supervisor { BATON, PERL_START_SERVER }

  /** The sample's main class; it takes the port as its first argument. */
  abstract String mainClass();

  String java() {
    return Workers.JAVA_17;
  }

  /** How many HUPs the test sends: each retires one worker under traffic. */
  int reloads() {
    return RELOADS;
  }

  /** The worker's class path: the samples and the test's libraries, unless a test runs other versions. */
  String classpath() {
    return Workers.classpath();
  }

  /** Which supervisor runs the workers: {@code baton} unless a test proves the sample under Perl's too. */
  Supervisor supervisor() {
    return Supervisor.BATON;
  }

  /** Options for the worker JVM, after the {@code java} executable. */
  List<String> jvmOptions() {
    return List.of();
  }

  @Test
  void hupReplacesWorkersWithoutAFailedRequest() throws Exception {
    int port = Workers.freePort();
    Path statusFile = tempDir.resolve("status");
    List<String> options = List.of("--port=" + port, "--pid-file=" + tempDir.resolve("supervisor.pid"),
        "--status-file=" + statusFile, "--");
    List<String> command = new ArrayList<>();
    if (supervisor() == Supervisor.BATON) {
      command.addAll(Workers.baton(options.toArray(String[]::new)));
    } else {
      assumeTrue(Files.isExecutable(Workers.START_SERVER), "Perl start_server (libserver-starter-perl) not installed");
      command.add(Workers.START_SERVER.toString());
      command.addAll(options);
    }
    List<String> worker = new ArrayList<>(Workers.javaOn(classpath(), java(), "", mainClass(), Integer.toString(port)));
    worker.addAll(1, jvmOptions());
    command.addAll(worker);

    try (ServerProcess supervisor = ServerProcess.start(command, Map.of())) {
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> Http.closeGet(port, "/") > 0);
      Set<Long> servedBy = new HashSet<>();
      try (Load load = new Load(port)) {
        for (int reload = 1; reload <= reloads(); reload++) {
          int generationBefore = onlyGeneration(statusFile);
          await().atMost(Duration.ofSeconds(20)).until(() -> !load.pids().isEmpty());
          servedBy.addAll(load.pids());
          supervisor.signal("HUP");
          // Done when the status file lists one worker again, of a newer generation: the old one has exited.
          // Perl's start_server retires the old worker one second after spawning the new one, ready or not:
          // a Spring Boot worker may still be starting (well over 20 s on two cores shared with other
          // builds), its clients waiting in the backlog; baton waits for READY=1.
          await().atMost(Duration.ofSeconds(90)).until(() -> onlyGeneration(statusFile) > generationBefore);
          await().atMost(Duration.ofSeconds(60)).until(() -> !servedBy.containsAll(load.pids()));
          servedBy.addAll(load.pids());
        }
        load.close(); // stop the traffic before asserting on it
        System.out.printf("%s under %s: %d requests answered, %d failed, pids %s%n", getClass().getSimpleName(),
            supervisor(), load.successes(), load.failures().size(), load.pids());
        assertThat(load.failures()).as(supervisor.transcript()).isEmpty();
        assertThat(load.successes()).isGreaterThan(reloads() * 10);
      }
      assertThat(servedBy).as("pids that answered").hasSizeGreaterThanOrEqualTo(reloads() + 1);
      assertThat(withoutKnownNoise(supervisor.transcript()))
          .as("no JVM or agent warning, nothing thrown")
          .doesNotContain("WARNING", "Exception", "ERROR");
      if (supervisor() == Supervisor.BATON) {
        assertThat(supervisor.transcript().lines().filter(line -> line.contains(") is ready (READY=1 after ")))
            .as("every generation told baton it was ready through the agent's sd_notify").hasSize(reloads() + 1);
      }
      checkTranscript(supervisor.transcript());
      supervisor.signal("TERM");
      supervisor.awaitExit(Duration.ofSeconds(30));
    }
  }

  /** More to check in the transcript of a passed reload test (what the sample printed, say). */
  void checkTranscript(String transcript) {}

  /**
   * The transcript minus the one warning Netty-based servers (plain Netty, Vert.x) may print during a
   * drain: a ClosedChannelException from {@code ServerSocketChannelImpl.accept} when the agent closes
   * the adopted listener from its drain thread while Netty's event loop is inside accept. Netty logs
   * it and carries on; no connection is lost (the load assertions cover that). Only that exact
   * warning with its stack trace is removed; anything else still fails the test. Known limitation,
   * documented in agent/README.md.
   */
  String withoutKnownNoise(String transcript) {
    return withoutNettyAcceptCloseNoise(transcript);
  }

  /** The transcript minus Netty's ClosedChannelException warning described at {@link #withoutKnownNoise}. */
  static String withoutNettyAcceptCloseNoise(String transcript) {
    return transcript.replaceAll(
        "(?m)^.*DefaultChannelPipeline onUnhandledInboundException\\R"
            + "WARNING: An exceptionCaught\\(\\) event was fired.*\\R"
            + "java\\.nio\\.channels\\.ClosedChannelException\\R"
            + "(?:\\s+at .*\\R)+",
        "");
  }

  /**
   * The generation of the one worker the status file lists ({@code gen:pid} lines, one per live worker,
   * as both supervisors write it), or -1 while it lists none or several.
   */
  static int onlyGeneration(Path statusFile) throws java.io.IOException {
    List<String> lines = Files.isRegularFile(statusFile)
        ? Files.readAllLines(statusFile).stream().filter(line -> !line.isBlank()).toList() : List.of();
    return lines.size() == 1 ? Integer.parseInt(lines.get(0).substring(0, lines.get(0).indexOf(':'))) : -1;
  }
}
