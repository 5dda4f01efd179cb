package dev.baton.agent.it;

import static dev.baton.agent.it.ReadinessTest.workerPid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.samples.AsyncChannelApp;
import dev.baton.agent.samples.JdkHttpServerApp;
import dev.baton.agent.samples.JettyApp;
import dev.baton.agent.samples.SpringBootApp;
import dev.baton.agent.samples.SpringBootJettyApp;
import dev.baton.agent.samples.SpringBootWebFluxApp;
import dev.baton.agent.samples.TomcatApp;
import dev.baton.agent.samples.UndertowApp;
import dev.baton.agent.samples.UndertowGracefulApp;
import dev.baton.agent.samples.NettyApp;
import dev.baton.agent.samples.PlainServerSocketApp;
import dev.baton.agent.samples.VertxApp;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** TERM drains: what is in flight completes, then the JVM exits; an idle worker exits at once. */
class DrainTest {

  @ParameterizedTest
  @ValueSource(classes = {JdkHttpServerApp.class, PlainServerSocketApp.class, VertxApp.class, NettyApp.class, AsyncChannelApp.class, JettyApp.class, TomcatApp.class, SpringBootApp.class, SpringBootJettyApp.class, SpringBootWebFluxApp.class, UndertowApp.class})
  void slowRequestInFlightCompletesThenTheJvmExits(Class<?> sample) throws Exception {
    slowRequestInFlightCompletesThenTheJvmExits(sample, Workers.freePort());
  }

  /**
   * An application that wrapped its Undertow handler in a GracefulShutdownHandler: the drain shuts that
   * handler down and awaits it (the request in flight finishes within it), before the application's own
   * shutdown hook runs.
   */
  @Test
  void undertowGracefulShutdownHandlerIsShutDownAndAwaited() throws Exception {
    ServerProcess supervisor = slowRequestInFlightCompletesThenTheJvmExits(UndertowGracefulApp.class,
        Workers.freePort());
    supervisor.awaitStderr(line -> line.matches(
        "baton-agent: Undertow GracefulShutdownHandler shut down; its requests in flight finished after \\d+ ms"),
        Duration.ofSeconds(5));
  }

  /** Returns the supervisor, its process gone, for its output. */
  private static ServerProcess slowRequestInFlightCompletesThenTheJvmExits(Class<?> sample, int port) throws Exception {
    try (ServerProcess supervisor = ReadinessTest.startUnderFakeSupervisor(
        "127.0.0.1:" + port, sample, port, "drainTimeout=60s")) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      long worker = workerPid(supervisor);
      InFlightRequest.answeredThroughTerm(supervisor, port, worker);
      assertSpringContextClosedAfterTheDrain(sample, supervisor);
      return supervisor;
    }
  }

  /**
   * start_server (and baton) send signal-on-hup to every old worker each time a new generation is
   * ready, also to one still draining: with reloads faster than drains the same signal comes again.
   * It must not cut the drain short: the request in flight is still answered.
   */
  @Test
  void theDrainSignalAgainDuringTheDrainDoesNotCutItShort() throws Exception {
    int port = Workers.freePort();
    try (ServerProcess supervisor = ReadinessTest.startUnderFakeSupervisor(
        "127.0.0.1:" + port, JdkHttpServerApp.class, port, "drainTimeout=60s")) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      long worker = workerPid(supervisor);
      CompletableFuture<Long> slow = CompletableFuture.supplyAsync(() -> {
        try {
          return Http.closeGet(port, "/slow?ms=3000");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      supervisor.awaitStdout(line -> line.startsWith("handling /slow"), Duration.ofSeconds(10));
      Signals.send("TERM", worker);
      supervisor.awaitStdout("datagram STOPPING=1"::equals, Duration.ofSeconds(10));
      Signals.send("TERM", worker);

      assertThat(slow.get(30, TimeUnit.SECONDS)).as("answered by the draining worker").isEqualTo(worker);
      supervisor.awaitStderr(line -> line.contains("again while draining: ignored"), Duration.ofSeconds(10));
      supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(30));
      assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
    }
  }

  /**
   * The JDK HttpServer counts an exchange as over only after a complete response: one whose client went
   * away first (reset) is counted in flight for ever. The drain must not wait for it until the drain
   * timeout: its connection is closed, nothing can be answered any more.
   */
  @Test
  void jdkHttpServerExchangeWhoseClientWentAwayDoesNotHoldTheDrain() throws Exception {
    int port = Workers.freePort();
    try (ServerProcess supervisor = ReadinessTest.startUnderFakeSupervisor(
        "127.0.0.1:" + port, JdkHttpServerApp.class, port, "drainTimeout=60s")) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      long worker = workerPid(supervisor);
      try (Socket impatient = new Socket()) {
        impatient.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        impatient.getOutputStream().write("GET /slow?ms=500 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1));
        supervisor.awaitStdout(line -> line.startsWith("handling /slow"), Duration.ofSeconds(10));
        impatient.setSoLinger(true, 0); // close with a reset: the handler's response then fails
      }
      Signals.send("TERM", worker);
      // Far below the 60 s drain timeout: the exchange ends, failed, about 0.5 s in.
      supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(20));
      assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
    }
  }

  @ParameterizedTest
  @ValueSource(classes = {JdkHttpServerApp.class, PlainServerSocketApp.class, VertxApp.class, NettyApp.class, AsyncChannelApp.class, JettyApp.class, TomcatApp.class, SpringBootApp.class, SpringBootJettyApp.class, SpringBootWebFluxApp.class, UndertowApp.class, UndertowGracefulApp.class})
  void idleWorkerExitsPromptly(Class<?> sample) throws Exception {
    int port = Workers.freePort();
    try (ServerProcess supervisor = ReadinessTest.startUnderFakeSupervisor(
        "127.0.0.1:" + port, sample, port, "drainTimeout=60s")) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      assertThat(Http.closeGet(port, "/")).isEqualTo(workerPid(supervisor));
      Signals.send("TERM", workerPid(supervisor));
      // Far below the 60 s drain timeout: nothing in flight, nothing waited for (Spring's graceful
      // shutdown, 30 s at most, included).
      supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(10));
      assertSpringContextClosedAfterTheDrain(sample, supervisor);
    }
  }

  /**
   * Spring Boot samples: after the agent's drain, Spring's shutdown hook closed the context (graceful
   * shutdown, web server stop, beans destroyed), so the worker left through the JVM's normal shutdown path.
   */
  private static void assertSpringContextClosedAfterTheDrain(Class<?> sample, ServerProcess supervisor) {
    if (sample.getSimpleName().startsWith("SpringBoot")) {
      assertThat(supervisor.stdout()).as(supervisor.transcript())
          .containsSubsequence("datagram STOPPING=1", "spring context closed", "exit 143");
    }
  }

  /**
   * A keep-alive client that sends its next request while the worker drains gets it answered, told to
   * close (no {@code keep-alive} left in the response), and only then sees
   * the connection closed: never a reset for a request it had already sent.
   */
  @ParameterizedTest
  @ValueSource(classes = {JdkHttpServerApp.class, VertxApp.class, UndertowApp.class, UndertowGracefulApp.class})
  void keepAliveClientGetsItsNextRequestAnsweredWithConnectionClose(Class<?> sample) throws Exception {
    int port = Workers.freePort();
    try (ServerProcess supervisor = ReadinessTest.startUnderFakeSupervisor(
        "127.0.0.1:" + port, sample, port, "drainTimeout=60s,keepAliveGrace=20s")) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      keepAliveClientGetsItsNextRequestAnsweredWithConnectionClose(supervisor, port);
    }
  }

  private static void keepAliveClientGetsItsNextRequestAnsweredWithConnectionClose(ServerProcess supervisor, int port)
      throws Exception {
    try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
      long worker = workerPid(supervisor);
      KeepAliveConnection.Response before = connection.get("/");
      assertThat(before.keepsAlive()).as("before the drain: %s", before.head()).isTrue();

      Signals.send("TERM", worker);
      supervisor.awaitStdout("datagram STOPPING=1"::equals, Duration.ofSeconds(10));
      KeepAliveConnection.Response during = connection.get("/");

      assertThat(during.body()).isEqualTo("pid:" + worker + "\n");
      // HTTP/1.0 without keep-alive means close: the JDK says "Connection: close", Vert.x says nothing.
      assertThat(during.head()).as("response during the drain").doesNotContain("keep-alive");
      assertThat(connection.closedByServer()).isTrue();
      // The last connection is gone: the worker exits well before the 20 s grace.
      supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(10));
      assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
    }
  }

  /**
   * A keep-alive connection that stays idle through the drain is closed once the keep-alive grace (1 s by
   * default) is over, with a FIN, not a reset: the worker exits long before the drain timeout. Undertow has
   * no idle timeout of its own by default; the agent closes such connections.
   */
  @ParameterizedTest
  @ValueSource(classes = {UndertowApp.class, UndertowGracefulApp.class})
  void idleKeepAliveConnectionIsClosedAfterTheGrace(Class<?> sample) throws Exception {
    int port = Workers.freePort();
    try (ServerProcess supervisor = ReadinessTest.startUnderFakeSupervisor(
        "127.0.0.1:" + port, sample, port, "drainTimeout=60s")) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
        long worker = workerPid(supervisor);
        assertThat(connection.get("/").keepsAlive()).as("before the drain").isTrue();

        Signals.send("TERM", worker);
        // Within the connection's 20 s read timeout; a reset would throw instead.
        assertThat(connection.closedByServer()).as(supervisor.transcript()).isTrue();
        supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(10));
        assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
      }
    }
  }
}
