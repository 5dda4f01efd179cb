package dev.baton.agent.it;

import dev.baton.testkit.process.StartedProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The tiny stand-in for baton's supervisor ({@code src/test/resources/fake-supervisor.pl}): it passes a
 * listening socket in {@code SERVER_STARTER_PORT} and a connected AF_UNIX datagram socket in
 * {@code BATON_NOTIFY_FD}, and prints {@code worker PID}, each datagram the worker writes
 * ({@code datagram TEXT}), then {@code exit CODE}; the worker's own output passes through.
 */
final class FakeSupervisor {

  private FakeSupervisor() {}

  /** Binds {@code spec} ({@code HOST:PORT}) and runs {@code worker} with it. */
  static StartedProcess start(String spec, List<String> worker, Map<String, String> env) throws IOException {
    List<String> command = new ArrayList<>(List.of("perl", Workers.fakeSupervisor(), spec, "--"));
    command.addAll(worker);
    return Workers.start(command, env);
  }

  /**
   * A sample on the default JDK with the agent ({@code agentOptions} joined with commas), listening on {@code port}.
   */
  static StartedProcess start(String spec, Class<?> sample, int port, String... agentOptions) throws IOException {
    return start(spec, Workers.java(Workers.JAVA_17, String.join(",", agentOptions), sample.getName(),
        Integer.toString(port)), Map.of());
  }

  /** The pid of the worker the fake supervisor started (it prints {@code worker <pid>}). */
  static long workerPid(StartedProcess supervisor) {
    return Long.parseLong(supervisor.awaitStdout(l -> l.startsWith("worker "), Duration.ofSeconds(5))
        .substring("worker ".length()));
  }

  /** What the worker said on its notify socket so far. */
  static List<String> datagrams(StartedProcess supervisor) {
    return supervisor.stdout().stream()
        .filter(line -> line.startsWith("datagram "))
        .map(line -> line.substring("datagram ".length()))
        .toList();
  }

  /** Waits for the worker's {@code READY=1}: a JVM start, seconds for Spring Boot on two busy cores. */
  static void awaitReady(StartedProcess supervisor) {
    supervisor.awaitStdout("datagram READY=1"::equals, READY_TIMEOUT);
  }

  /** How long a worker may take to say READY=1 (a bound, not a wait: most are ready in a second or two). */
  static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  /** Waits for the worker's exit and returns its status as the fake supervisor printed it. */
  static int awaitWorkerExit(StartedProcess supervisor, Duration atMost) {
    String exit = supervisor.awaitStdout(line -> line.startsWith("exit "), atMost);
    return Integer.parseInt(exit.substring("exit ".length()));
  }
}
