package dev.baton.agent.it;

import static dev.baton.agent.it.ReadinessTest.workerPid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.agent.samples.JettyH2cApp;
import dev.baton.agent.samples.SpringBootWebFluxH2cApp;
import dev.baton.agent.samples.TomcatH2cApp;
import dev.baton.agent.samples.UndertowH2cApp;
import dev.baton.agent.samples.TlsKeyStore;
import dev.baton.agent.samples.VertxApp;
import io.vertx.core.http.GoAway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/2 through a drain, in cleartext (prior knowledge, and {@code Upgrade: h2c} for the stream in flight) and
 * over TLS with ALPN: a stream in flight is answered, every connection is told GOAWAY (NO_ERROR) while it is
 * served, with a last stream id that covers what the client sent, and then closed (a connection that turns
 * HTTP/2 only after the notice went out is told too); under load across reloads no request fails. HTTP/1.1's
 * {@code Connection: close} is {@code KeepAliveDrainTest}'s.
 */
class Http2DrainTest {

  private static final int RELOADS = 3;
  private static final String OK = "200 HTTP_2 pid:";

  @TempDir
  Path tempDir;

  /**
   * Every server with prior knowledge; over {@code Upgrade: h2c} the servers whose upgrade is not Netty's
   * codec (Tomcat, Jetty) and Vert.x. Reactor Netty's upgrade is Netty's as Vert.x's is, and its Spring Boot
   * start-up would add ~10 s to the suite for nothing new. Over TLS, HTTP/2 negotiated by ALPN ({@code h2}),
   * Vert.x and Jetty: the frameworks set the HTTP/2 connection up only after the handshake (Netty's codec
   * behind its SslHandler, Jetty's session behind its SslConnection, which the agent looks through), and the
   * GOAWAY goes out encrypted; without looking through it, Jetty's connector shutdown reset the stream in
   * flight as idle (RST_STREAM CANCEL) and no GOAWAY was sent. Spring Boot WebFlux over TLS passed too but is
   * left out: its HTTP/2 is Netty's codec as Vert.x's.
   */
  static Stream<Arguments> serversAndModes() {
    return Stream.of(
        Arguments.of(VertxApp.class, H2Client.Mode.PRIOR_KNOWLEDGE),
        Arguments.of(JettyH2cApp.class, H2Client.Mode.PRIOR_KNOWLEDGE),
        Arguments.of(SpringBootWebFluxH2cApp.class, H2Client.Mode.PRIOR_KNOWLEDGE),
        Arguments.of(TomcatH2cApp.class, H2Client.Mode.PRIOR_KNOWLEDGE),
        Arguments.of(UndertowH2cApp.class, H2Client.Mode.PRIOR_KNOWLEDGE),
        Arguments.of(VertxApp.class, H2Client.Mode.UPGRADE),
        Arguments.of(JettyH2cApp.class, H2Client.Mode.UPGRADE),
        Arguments.of(TomcatH2cApp.class, H2Client.Mode.UPGRADE),
        Arguments.of(VertxApp.class, H2Client.Mode.TLS),
        Arguments.of(JettyH2cApp.class, H2Client.Mode.TLS));
  }

  /**
   * Over {@code Upgrade: h2c} each connection's first request is the HTTP/1.1 request that upgrades it: it
   * becomes stream 1 and is answered over HTTP/2, so the slow request is stream 3 in both modes.
   */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("serversAndModes")
  void streamInFlightIsAnsweredAndEveryConnectionGetsGoAwayThenCloses(Class<?> sample, H2Client.Mode mode)
      throws Exception {
    streamInFlightThroughTerm(sample, mode, Workers.JAVA_17, List.of());
  }

  /**
   * The same on JDK 25, where the JDK classes the agent rewrites differ from 17's, over TLS (it passed in
   * cleartext too; one JVM start covers both). Vert.x probes Netty's native transport, whose JNI library JDK 25
   * warns about unless the application enables native access (see {@code Jdk25ReloadTest}).
   */
  @Test
  void streamInFlightOnJdk25IsAnsweredAndEveryConnectionGetsGoAwayThenCloses() throws Exception {
    Jdk25ReloadTest.requireJdk25();
    streamInFlightThroughTerm(VertxApp.class, H2Client.Mode.TLS, Workers.JAVA_25.toString(),
        List.of("--enable-native-access=ALL-UNNAMED"));
  }

  private void streamInFlightThroughTerm(Class<?> sample, H2Client.Mode mode, String java, List<String> jvmOptions)
      throws Exception {
    int port = Workers.freePort();
    List<String> sampleArgs = new ArrayList<>(List.of(Integer.toString(port)));
    if (mode == H2Client.Mode.TLS) {
      sampleArgs.add(TlsKeyStore.create(tempDir).toString());
    }
    List<String> worker = new ArrayList<>(
        Workers.java(java, "drainTimeout=30s", sample.getName(), sampleArgs.toArray(String[]::new)));
    worker.addAll(1, jvmOptions);
    List<String> command = new ArrayList<>(List.of("perl", Workers.fakeSupervisor(), "127.0.0.1:" + port, "--"));
    command.addAll(worker);
    try (ServerProcess supervisor = ServerProcess.start(command, Map.of());
        H2Client client = new H2Client(port, mode)) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      long pid = workerPid(supervisor);
      H2Client.Connection busy = client.connect();
      H2Client.Connection idle = client.connect();
      H2Client.Answer opening = busy.get("/").get(20, TimeUnit.SECONDS);
      assertThat(opening.response()).as("answered over HTTP/2").isEqualTo(OK + pid + "\n");
      assertThat(opening.streamId()).as("the connection's first stream (over Upgrade, the upgraded request)").isEqualTo(1);
      assertThat(idle.get("/").get(20, TimeUnit.SECONDS).response()).isEqualTo(OK + pid + "\n");
      // Connected before the TERM, long enough before it to have been accepted (the slow request's round trip
      // runs after it), HTTP/2 only once the notice went out to the others.
      LateH2Connection late = new LateH2Connection(port, mode);
      CompletableFuture<H2Client.Answer> slow = busy.get("/slow?ms=2000");
      supervisor.awaitStdout(line -> line.startsWith("handling /slow"), Duration.ofSeconds(10));

      Signals.send("TERM", pid);

      await().atMost(Duration.ofSeconds(20)).until(() -> supervisor.stderr().stream()
          .anyMatch(line -> line.startsWith("baton-agent: sent GOAWAY")));
      late.speakHttp2();
      LateH2Connection.GoAwayFrame lateGoAway = late.awaitGoAway();
      assertThat(lateGoAway.lastStreamId()).as("a connection that turned HTTP/2 after the notice gets it too, "
          + "not the framework's GOAWAY with its real last stream id\n" + supervisor.transcript())
          .isEqualTo(Integer.MAX_VALUE);
      assertThat(lateGoAway.errorCode()).as("NO_ERROR").isZero();
      late.close();

      H2Client.Answer answer;
      try {
        answer = slow.get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw new AssertionError("the stream in flight failed: " + e.getCause() + "\n" + supervisor.transcript(), e);
      }
      assertThat(answer.response()).as(supervisor.transcript()).isEqualTo(OK + pid + "\n");
      assertThat(answer.streamId()).isEqualTo(3);
      await().atMost(Duration.ofSeconds(20)).until(() -> busy.isClosed() && idle.isClosed());
      for (H2Client.Connection connection : List.of(busy, idle)) {
        assertThat(connection.goAways()).as("GOAWAY before the close").isNotEmpty()
            .allSatisfy(goAway -> assertThat(goAway.getErrorCode()).as("NO_ERROR").isZero());
      }
      // The shutdown notice comes when the drain begins, while the stream is served: a server whose first
      // GOAWAY comes only with its close leaves clients no time to move their next requests.
      assertThat(busy.unansweredAtFirstGoAway()).as("requests in flight when the first GOAWAY arrived")
          .contains(1);
      GoAway first = busy.goAways().get(0);
      assertThat(first.getLastStreamId()).as("the stream in flight is covered").isGreaterThanOrEqualTo(answer.streamId());
      supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(30));
      assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
      assertThat(supervisor.stderr()).as(supervisor.transcript())
          .noneMatch(line -> line.contains("WARNING") || line.contains("Exception"));
    }
  }

  /**
   * An HTTP/1.1 keep-alive connection that asks for {@code Upgrade: h2c} during the drain is answered over
   * HTTP/1.1 with {@code Connection: close} (a server may ignore Upgrade): upgraded, it would be an HTTP/2
   * connection opened after the shutdown notice, whose client keeps sending streams on it until the stop
   * closes it. Tomcat upgraded it, with {@code 101} and both {@code Connection: Upgrade} and
   * {@code Connection: close}.
   */
  @Test
  void tomcatDeclinesAnUpgradeAskedForDuringTheDrain() throws Exception {
    int port = Workers.freePort();
    try (ServerProcess supervisor = ReadinessTest.startUnderFakeSupervisor(
            "127.0.0.1:" + port, TomcatH2cApp.class, port, "drainTimeout=30s")) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      long worker = workerPid(supervisor);
      KeepAliveConnection connection = new KeepAliveConnection(port);
      assertThat(connection.get("/").keepsAlive()).as("before the drain").isTrue();

      Signals.send("TERM", worker);
      supervisor.awaitStdout("datagram STOPPING=1"::equals, Duration.ofSeconds(10));
      KeepAliveConnection.Response during = connection.exchange("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n");

      assertThat(during.head()).as("answered over HTTP/1.1").startsWith("http/1.1 200");
      assertThat(during.head()).contains("connection: close").doesNotContain("upgrade");
      assertThat(during.body()).isEqualTo("pid:" + worker + "\n");
      assertThat(connection.closedByServer()).isTrue();
      connection.close();
      supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(30));
      assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
    }
  }

  /**
   * A connection accepted before the drain that turns HTTP/2 after the shutdown notice went out (here a
   * keep-alive connection whose next bytes are the HTTP/2 preface) is told too, and serves the stream its
   * client sends next. Untold, its first GOAWAY came with {@code endpoint.stop()}, which closed it at once.
   */
  @Test
  void tomcatTellsAConnectionThatTurnsHttp2DuringTheDrain() throws Exception {
    int port = Workers.freePort();
    try (ServerProcess supervisor = ReadinessTest.startUnderFakeSupervisor(
            "127.0.0.1:" + port, TomcatH2cApp.class, port, "drainTimeout=30s");
        H2Client client = new H2Client(port, H2Client.Mode.PRIOR_KNOWLEDGE)) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      long worker = workerPid(supervisor);
      H2Client.Connection early = client.connect();
      assertThat(early.get("/").get(20, TimeUnit.SECONDS).response()).isEqualTo(OK + worker + "\n");
      KeepAliveConnection http1 = new KeepAliveConnection(port);
      assertThat(http1.get("/").keepsAlive()).as("before the drain").isTrue();

      Signals.send("TERM", worker);
      // The notice has gone out once the connection that was HTTP/2 all along has it.
      await().atMost(Duration.ofSeconds(10)).until(() -> !early.goAways().isEmpty());
      RawH2Connection late = RawH2Connection.startOn(http1.socket());

      RawH2Connection.Frame goAway = late.readUntil(RawH2Connection.GOAWAY);
      assertThat(goAway.lastStreamId()).isEqualTo(Integer.MAX_VALUE);
      late.get(1, "/");
      assertThat(late.body(1)).as(supervisor.transcript()).isEqualTo("pid:" + worker + "\n");
      http1.close();
      supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(30));
      assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
    }
  }

  /**
   * Reloads under Perl's start_server while a few HTTP/2 clients keep one multiplexed connection busy: a
   * request sent just as the old worker says GOAWAY must still be answered (Vert.x's client does not retry
   * one the server refused), and the next ones go to the new worker on a new connection. Without the
   * agent's shutdown notice 9-12 requests failed per run here (Vert.x), and 3 with Jetty's own HTTP/2
   * shutdown (its GOAWAY with the real last stream id follows its graceful one within milliseconds); Tomcat:
   * 8 when its first GOAWAY came with {@code endpoint.stop()}, just before the close, and 6 with Tomcat's own
   * two-step {@code Http2UpgradeHandler.pause()} as the notice; Undertow with only its own GOAWAY (the real
   * last stream id) after the grace: 9 and 12 in two runs, and 10 with no HTTP/2 drain at all (its
   * connections closed under their streams, no GOAWAY). Reactor Netty (Spring Boot WebFlux) gets the same
   * Netty notice as Vert.x and passed this too (5 failed without the notice); it is left to the in-flight
   * case here, its Spring Boot start-ups costing ~30 s of the suite.
   */
  @ParameterizedTest
  @ValueSource(classes = {VertxApp.class, JettyH2cApp.class, TomcatH2cApp.class, UndertowH2cApp.class})
  void hupsUnderHttp2LoadFailNoRequest(Class<?> sample) throws Exception {
    assumeTrue(Files.isExecutable(Workers.START_SERVER), "Perl start_server (libserver-starter-perl) not installed");
    int port = Workers.freePort();
    List<String> command = new ArrayList<>(List.of(
        Workers.START_SERVER.toString(), "--port=" + port, "--pid-file=" + tempDir.resolve("pid"), "--"));
    command.addAll(Workers.java(Workers.JAVA_17, "", sample.getName(), Integer.toString(port)));
    try (ServerProcess supervisor = ServerProcess.start(command, Map.of());
        H2Client client = new H2Client(port, H2Client.Mode.PRIOR_KNOWLEDGE)) {
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> client.connect().get("/").get(5, TimeUnit.SECONDS).response().startsWith(OK));
      try (H2Load load = new H2Load(client, 4)) {
        for (int reload = 1; reload <= RELOADS; reload++) {
          // The worker retired next must be serving already: start_server retires it one second after
          // spawning its successor, ready or not, so HUPs faster than start-ups retire unstarted workers.
          await().atMost(Duration.ofSeconds(20)).until(() -> !load.bodies().isEmpty());
          Set<String> before = load.bodies();
          supervisor.signal("HUP");
          await().atMost(Duration.ofSeconds(60)).until(() -> !before.containsAll(load.bodies()));
          int retired = reload;
          await().atMost(Duration.ofSeconds(60)).until(() -> supervisor.stderr().stream()
              .filter(line -> line.startsWith("old worker ")).count() >= retired);
        }
        load.close();
        System.out.printf("%s over HTTP/2: %d requests answered, %d failed, %d connections left on GOAWAY, %s%n",
            sample.getSimpleName(), load.successes(), load.failures().size(), load.goAways(), load.bodies());
        assertThat(load.failures()).as(supervisor.transcript()).isEmpty();
        assertThat(load.bodies()).as("workers that answered").hasSizeGreaterThan(RELOADS);
      }
      supervisor.signal("TERM");
      supervisor.awaitExit(Duration.ofSeconds(30));
    }
  }
}
