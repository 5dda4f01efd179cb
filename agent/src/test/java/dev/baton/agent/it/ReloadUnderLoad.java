package dev.baton.agent.it;

import static dev.baton.agent.it.PromptAwait.await;
import static dev.baton.testkit.sample.Replies.PID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.load.HttpLoad.Client;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's whole point: an unmodified server run under {@code baton} with {@code -javaagent:baton-agent.jar},
 * reloaded with {@code kill -HUP} while clients send requests, with and without keep-alive. No request may
 * fail, every response must be complete, the pid answering changes, every generation says {@code READY=1}
 * through the agent, and nothing is logged at WARNING or ERROR; each old worker ran the server's own drain.
 */
interface ReloadUnderLoad extends ServerUnderTest {

  /** The supervisors a reload test runs under. */
  enum Supervisor { BATON, PERL_START_SERVER }

  /**
   * How many HUPs: three on the default JDK. On the other JDKs three for the JDK's own servers, whose
   * internals are what differs from one JDK build to the next, and one for a framework: what another JDK can
   * break is the same for every reload (the JDK classes the agent rewrites, the hook class defined in
   * java.base, module access, warnings), while each further reload costs a JVM start (seconds for Spring Boot
   * on two shared cores) and the default JDK repeats it three times.
   */
  default int reloads() {
    return jdk() == Jdk.JDK_17 || server().isJdkOwn() ? 3 : 1;
  }

  @Test
  default void hupReplacesWorkersWithoutAFailedRequest(@TempDir Path tempDir) throws Exception {
    reloadUnderLoad(Supervisor.BATON, reloads(), tempDir);
  }

  /** Where the supervisor listens and how clients reach it: a TCP port, or a Unix-domain socket path. */
  record Listener(String option, String workerArgument, Callable<Long> request, Supplier<HttpLoad> load) {

    static Listener port(int port) {
      return new Listener("--port=" + port, Integer.toString(port), () -> PID.ask(port, "/").pid(),
          () -> steadyLoad(port));
    }

    static Listener unixSocket(Path socket) {
      UnixDomainSocketAddress address = UnixDomainSocketAddress.of(socket);
      return new Listener("--path=" + socket, socket.toString(), () -> PID.ask(address, "/").pid(),
          () -> steadyLoad(socket));
    }
  }

  /**
   * Light, steady traffic on 127.0.0.1:port while the supervisor replaces workers: a keep-alive client (the JDK's
   * HttpClient) and a connection-per-request one, each sending a request every few milliseconds
   * ({@link #steadyLoad(HttpLoad.Options)}).
   */
  static HttpLoad steadyLoad(int port) {
    return steadyLoad(HttpLoad.Options.of(port, 2, 0, true).clients(Client.JDK_KEEP_ALIVE, Client.HTTP_1_1_CLOSE));
  }

  /** The same on a Unix-domain socket: two connection-per-request clients (the JDK has no keep-alive one there). */
  static HttpLoad steadyLoad(Path socket) {
    return steadyLoad(HttpLoad.Options.of(0, 2, Client.HTTP_1_1_CLOSE).unixSocket(socket));
  }

  /**
   * Each client pauses 5 ms after each request, waits up to 20 s for an answer; any answer but a whole 200 in
   * HTTP/1.1 naming its worker's pid ({@code pid:N}, of any length) is in {@link HttpLoad#failures()}. Bounded:
   * it stops when closed or after five minutes.
   */
  private static HttpLoad steadyLoad(HttpLoad.Options options) {
    return HttpLoad.start(options.pause(Duration.ofMillis(5)).timeout(Duration.ofSeconds(20))
        .maxDuration(Duration.ofMinutes(5)).replies(PID).anyLength());
  }

  /** {@code reloads} HUPs of the server's sample on a port of its own, its reload checks after them. */
  default void reloadUnderLoad(Supervisor supervisor, int reloads, Path tempDir) throws Exception {
    reloadUnderLoad(supervisor, reloads, tempDir, Listener.port(FreePorts.next()), server().sample(),
        (process, transcript) -> server().checkReloadTranscript(transcript));
  }

  /**
   * {@code reloads} HUPs under {@link #steadyLoad}, each done once the status file lists one worker of a newer
   * generation (the old one has exited) and a pid not seen before answers; then the common checks, and
   * {@code checks} while the supervisor still runs.
   */
  default void reloadUnderLoad(Supervisor supervisor, int reloads, Path tempDir, Listener listener, Class<?> sample,
      BiConsumer<StartedProcess, String> checks) throws Exception {
    Path statusFile = tempDir.resolve("status");
    List<String> options = List.of(listener.option(), "--pid-file=" + tempDir.resolve("supervisor.pid"),
        "--status-file=" + statusFile, "--");
    List<String> command = new ArrayList<>();
    if (supervisor == Supervisor.BATON) {
      command.addAll(BatonProcess.jarCommand(Workers.BATON_JAR, options.toArray(String[]::new)));
    } else {
      assumeTrue(Files.isExecutable(Workers.START_SERVER), "Perl start_server (libserver-starter-perl) not installed");
      command.add(Workers.START_SERVER.toString());
      command.addAll(options);
    }
    command.addAll(server().command(sample, jdk(), List.of(), "", listener.workerArgument()));

    try (StartedProcess process = Workers.start(command, Map.of())) {
      await().atMost(FakeSupervisor.READY_TIMEOUT).ignoreExceptions().until(() -> listener.request().call() > 0);
      Set<Long> servedBy = new HashSet<>();
      try (HttpLoad load = listener.load().get()) {
        for (int reload = 1; reload <= reloads; reload++) {
          // The worker to retire, once the status file lists it: a HUP sent before start_server first wrote
          // the file made that first write (the old worker alone) look like the newer generation.
          ListedWorker before = awaitOnlyWorker(statusFile);
          await().atMost(Duration.ofSeconds(20)).until(() -> !load.answeringPids().isEmpty());
          servedBy.addAll(load.answeringPids());
          process.signal("HUP");
          // Done when the supervisor said the old worker died and the status file lists one worker again, of a
          // newer generation. Both supervisors print that line after reaping it, on the stderr they share with
          // their workers: whatever the old worker wrote (its drain line) has been read before it. Perl's start_server retires the old worker one second after spawning the new one, ready or not:
          // a Spring Boot worker may still be starting (well over 20 s on two cores shared with other
          // builds), its clients waiting in the backlog; baton waits for READY=1.
          process.awaitStderr(line -> line.contains("old worker " + before.pid() + " died"), Duration.ofSeconds(90));
          await().atMost(Duration.ofSeconds(10)).until(() -> onlyGeneration(statusFile) > before.generation());
          await().atMost(Duration.ofSeconds(60)).until(() -> !servedBy.containsAll(load.answeringPids()));
          servedBy.addAll(load.answeringPids());
        }
        load.close(); // stop the traffic before asserting on it
        System.out.printf("%s %s under %s: %d requests answered, %d failed, pids %s%n", sample.getSimpleName(),
            who(), supervisor, load.completed(), load.failed(), load.answeringPids());
        assertThat(load.failures()).as(process.transcript()).isEmpty();
        assertThat(load.completed()).isGreaterThan(reloads * 10);
      }
      assertThat(servedBy).as("pids that answered").hasSizeGreaterThanOrEqualTo(reloads + 1);
      if (supervisor == Supervisor.BATON) {
        assertThat(process.transcript().lines().filter(line -> line.contains(") is ready (READY=1 after ")))
            .as("every generation told baton it was ready through the agent's sd_notify").hasSize(reloads + 1);
      }
      assertThat(process.transcript()).as("every generation adopted the inherited socket")
          .contains("baton-agent: adopted ");
      checks.accept(process, process.transcript());
      assertCleanRunWithOwnDrain(process);
      process.signal("TERM");
      process.awaitExit(Duration.ofSeconds(30));
    }
  }

  /** A worker as the status file lists it ({@code gen:pid} lines, one per live worker, as both supervisors write it). */
  record ListedWorker(int generation, long pid) {}

  /**
   * The one worker the status file lists, once it lists exactly one: Perl's start_server writes the file one
   * second ({@code --interval}) after spawning a worker, which may answer requests before that.
   */
  static ListedWorker awaitOnlyWorker(Path statusFile) {
    return await().atMost(Duration.ofSeconds(30)).until(() -> onlyWorker(statusFile), worker -> worker != null);
  }

  /** The generation of the one worker the status file lists, or -1 while it lists none or several. */
  static int onlyGeneration(Path statusFile) throws java.io.IOException {
    ListedWorker worker = onlyWorker(statusFile);
    return worker == null ? -1 : worker.generation();
  }

  /** The one worker the status file lists, or null while it lists none or several. */
  private static ListedWorker onlyWorker(Path statusFile) throws java.io.IOException {
    List<String> lines = Files.isRegularFile(statusFile)
        ? Files.readAllLines(statusFile).stream().filter(line -> !line.isBlank()).toList() : List.of();
    if (lines.size() != 1) {
      return null;
    }
    String[] genPid = lines.get(0).trim().split(":", 2);
    return new ListedWorker(Integer.parseInt(genPid[0]), Long.parseLong(genPid[1]));
  }
}
