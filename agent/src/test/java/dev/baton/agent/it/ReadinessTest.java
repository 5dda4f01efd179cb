package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.samples.AsyncChannelApp;
import dev.baton.agent.samples.JdkHttpServerApp;
import dev.baton.agent.samples.NettyApp;
import dev.baton.agent.samples.PlainServerSocketApp;
import dev.baton.agent.samples.VertxApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The protocol with the supervisor, against a tiny fake one (src/test/resources/fake-supervisor.pl):
 * it passes a listening socket in SERVER_STARTER_PORT and a connected AF_UNIX datagram socket in
 * BATON_NOTIFY_FD, and prints each datagram the worker writes.
 */
class ReadinessTest {

  @ParameterizedTest
  @ValueSource(classes = {JdkHttpServerApp.class, PlainServerSocketApp.class, VertxApp.class, NettyApp.class, AsyncChannelApp.class})
  void reportsAdoptionThenReadyThenStoppingOnTerm(Class<?> sample) throws Exception {
    int port = Workers.freePort();
    try (ServerProcess supervisor = startUnderFakeSupervisor("127.0.0.1:" + port, sample, port)) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      List<String> datagrams = datagrams(supervisor);
      assertThat(datagrams).as(supervisor.transcript())
          .containsSubsequence("STATUS=adopted 127.0.0.1:" + port + " (fd 3)", "READY=1");
      // Ready means accepting: a request is answered by the worker the supervisor started.
      long worker = Long.parseLong(supervisor.awaitStdout(l -> l.startsWith("worker "), Duration.ofSeconds(1))
          .substring("worker ".length()));
      assertThat(Http.closeGet(port, "/")).isEqualTo(worker);

      Signals.send("TERM", worker);
      supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(30));
      assertThat(datagrams(supervisor)).contains("STOPPING=1");
      assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
    }
  }

  /** O_NONBLOCK lives on the shared open file description: a blocking accept must cope with it. */
  @Test
  void blockingAcceptWorksWhenAnotherProcessMadeTheSocketNonBlocking() throws Exception {
    int port = Workers.freePort();
    List<String> command = new ArrayList<>(List.of("perl", Workers.fakeSupervisor(), "127.0.0.1:" + port, "--"));
    command.addAll(Workers.java(Workers.JAVA_17, "", PlainServerSocketApp.class.getName(), Integer.toString(port)));
    try (ServerProcess supervisor = ServerProcess.start(command, Map.of("FAKE_SUPERVISOR_NONBLOCK", "1"))) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      for (int i = 0; i < 5; i++) {
        assertThat(Http.closeGet(port, "/")).isPositive();
      }
      assertThat(supervisor.transcript()).doesNotContain("Exception", "failed");
    }
  }

  /** The pid of the worker the fake supervisor started (it prints {@code worker <pid>}). */
  static long workerPid(ServerProcess supervisor) {
    return Long.parseLong(supervisor.awaitStdout(l -> l.startsWith("worker "), Duration.ofSeconds(5))
        .substring("worker ".length()));
  }

  static ServerProcess startUnderFakeSupervisor(String spec, Class<?> sample, int port, String... agentOptions)
      throws Exception {
    List<String> command = new ArrayList<>(List.of("perl", Workers.fakeSupervisor(), spec, "--"));
    command.addAll(Workers.java(Workers.JAVA_17, String.join(",", agentOptions), sample.getName(),
        Integer.toString(port)));
    return ServerProcess.start(command, Map.of());
  }

  static List<String> datagrams(ServerProcess supervisor) {
    return supervisor.stdout().stream()
        .filter(line -> line.startsWith("datagram "))
        .map(line -> line.substring("datagram ".length()))
        .toList();
  }
}
