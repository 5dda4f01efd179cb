package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.agent.samples.TlsKeyStore;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import dev.baton.testkit.signal.Signals;
import io.vertx.core.http.GoAway;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/2 through a drain, for the servers' HTTP/2 samples: a stream in flight is answered, every connection
 * is told GOAWAY (NO_ERROR) while it is served, with a last stream id that covers what the client sent, and
 * then closed (a connection that turns HTTP/2 only after the notice went out is told too). One behaviour per
 * way to speak HTTP/2 ({@link Http2PriorKnowledgeDrain}, {@link Http2UpgradeDrain}, {@link Http2TlsDrain});
 * HTTP/1.1's {@code Connection: close} is {@link KeepAliveInFlightDrain}'s.
 */
interface Http2Drain extends ServerUnderTest {

  String OK = "200 HTTP_2 pid:";

  /**
   * Over {@code Upgrade: h2c} each connection's first request is the HTTP/1.1 request that upgrades it: it
   * becomes stream 1 and is answered over HTTP/2, so the slow request is stream 3 in every mode.
   */
  default void streamInFlightIsAnsweredAndEveryConnectionGetsGoAwayThenCloses(H2Client.Mode mode, Path tempDir)
      throws Exception {
    assumeDrainTestedOnThisJdk();
    int port = FreePorts.next();
    List<String> sampleArgs = new ArrayList<>(List.of(Integer.toString(port)));
    if (mode == H2Client.Mode.TLS) {
      sampleArgs.add(TlsKeyStore.create(tempDir).toString());
    }
    List<String> worker = server().command(server().http2Sample(), jdk(), List.of(), "drainTimeout=30s",
        sampleArgs.toArray(String[]::new));
    try (StartedProcess supervisor = FakeSupervisor.start("127.0.0.1:" + port, worker, Map.of());
        H2Client client = new H2Client(port, mode)) {
      FakeSupervisor.awaitReady(supervisor);
      long pid = FakeSupervisor.workerPid(supervisor);
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

      Signals.require(pid, "TERM");

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
      assertThat(FakeSupervisor.awaitWorkerExit(supervisor, Duration.ofSeconds(30))).as(supervisor.transcript())
          .isEqualTo(143);
      WorkerLog.assertClean(supervisor.transcript(), server(), who());
      WorkerLog.assertOwnDrainRan(supervisor.transcript(), server().http2Drains(), who());
    }
  }
}
