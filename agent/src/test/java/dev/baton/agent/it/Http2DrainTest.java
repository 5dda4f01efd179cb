package dev.baton.agent.it;

import static dev.baton.agent.it.ReadinessTest.workerPid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.agent.samples.JettyH2cApp;
import dev.baton.agent.samples.SpringBootWebFluxH2cApp;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/2 (cleartext with prior knowledge, and TLS with ALPN) through a drain: a stream in flight is answered,
 * every connection is told GOAWAY (NO_ERROR) with a last stream id that covers what the client sent, and then
 * closed; under load across reloads no request fails. HTTP/1.1's {@code Connection: close} is {@code KeepAliveDrainTest}'s.
 */
class Http2DrainTest {

  private static final int RELOADS = 3;
  private static final String OK = "200 HTTP_2 pid:";

  @TempDir
  Path tempDir;

  @ParameterizedTest
  @ValueSource(classes = {VertxApp.class, JettyH2cApp.class, SpringBootWebFluxH2cApp.class})
  void streamInFlightIsAnsweredAndEveryConnectionGetsGoAwayThenCloses(Class<?> sample) throws Exception {
    streamInFlightThroughTerm(sample, H2Client.Mode.PRIOR_KNOWLEDGE, Workers.JAVA_17, List.of());
  }

  /**
   * The same over TLS, HTTP/2 negotiated by ALPN ({@code h2}): the frameworks set the HTTP/2 connection up only
   * after the handshake (Netty's codec behind its SslHandler, Jetty's session behind its SslConnection, which the
   * agent looks through), and the GOAWAY goes out encrypted. Without looking through it, Jetty's connector
   * shutdown reset the stream in flight as idle (RST_STREAM CANCEL) and no GOAWAY was sent. Spring Boot WebFlux
   * over TLS passed too (its sample takes a key store as well) but is left out here: its HTTP/2 is Netty's codec
   * as Vert.x's, and a Spring Boot start costs ~10 s of the suite on two shared cores.
   */
  @ParameterizedTest
  @ValueSource(classes = {VertxApp.class, JettyH2cApp.class})
  void streamInFlightOverTlsIsAnsweredAndEveryConnectionGetsGoAwayThenCloses(Class<?> sample) throws Exception {
    streamInFlightThroughTerm(sample, H2Client.Mode.TLS, Workers.JAVA_17, List.of());
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
      assertThat(busy.get("/").get(20, TimeUnit.SECONDS).response()).isEqualTo(OK + pid + "\n");
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
      await().atMost(Duration.ofSeconds(20)).until(() -> busy.isClosed() && idle.isClosed());
      for (H2Client.Connection connection : List.of(busy, idle)) {
        assertThat(connection.goAways()).as("GOAWAY before the close").isNotEmpty()
            .allSatisfy(goAway -> assertThat(goAway.getErrorCode()).as("NO_ERROR").isZero());
      }
      GoAway first = busy.goAways().get(0);
      assertThat(first.getLastStreamId()).as("the stream in flight is covered").isGreaterThanOrEqualTo(answer.streamId());
      supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(30));
      assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
      assertThat(supervisor.stderr()).as(supervisor.transcript())
          .noneMatch(line -> line.contains("WARNING") || line.contains("Exception"));
    }
  }

  /**
   * Reloads under Perl's start_server while a few HTTP/2 clients keep one multiplexed connection busy: a
   * request sent just as the old worker says GOAWAY must still be answered (Vert.x's client does not retry
   * one the server refused), and the next ones go to the new worker on a new connection. Without the
   * agent's shutdown notice 9-12 requests failed per run here (Vert.x), and 3 with Jetty's own HTTP/2
   * shutdown (its GOAWAY with the real last stream id follows its graceful one within milliseconds).
   */
  @ParameterizedTest
  @ValueSource(classes = {VertxApp.class, JettyH2cApp.class, SpringBootWebFluxH2cApp.class})
  void hupsUnderHttp2LoadFailNoRequest(Class<?> sample) throws Exception {
    assumeTrue(Files.isExecutable(Workers.START_SERVER), "Perl start_server (libserver-starter-perl) not installed");
    int port = Workers.freePort();
    List<String> command = new ArrayList<>(List.of(
        Workers.START_SERVER.toString(), "--port=" + port, "--pid-file=" + tempDir.resolve("pid"), "--"));
    command.addAll(Workers.java(Workers.JAVA_17, "", sample.getName(), Integer.toString(port)));
    try (ServerProcess supervisor = ServerProcess.start(command, Map.of());
        H2Client client = new H2Client(port)) {
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
