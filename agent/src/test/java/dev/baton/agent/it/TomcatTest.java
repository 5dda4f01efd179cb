package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import dev.baton.testkit.signal.Signals;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Embedded Tomcat 11, NIO connector: netBind, blocking accept for readiness, the Tomcat endpoint drain; HTTP/2
 * by prior knowledge and {@code Upgrade: h2c} (its own upgrade, not Netty's codec).
 */
@JdkMatrix
class TomcatTest extends ServerTest implements ReloadUnderLoad, IdleWorkerDrain, RequestInFlightDrain,
    KeepAliveInFlightDrain, FreshConnectionsDuringDrain, RequestOnAcceptedConnectionDrain, Http2PriorKnowledgeDrain,
    Http2UpgradeDrain, Http2ReloadUnderLoad {

  TomcatTest(Jdk jdk) {
    super(Server.TOMCAT, jdk);
  }

  /**
   * An HTTP/1.1 keep-alive connection that asks for {@code Upgrade: h2c} during the drain is answered over
   * HTTP/1.1 with {@code Connection: close} (a server may ignore Upgrade): upgraded, it would be an HTTP/2
   * connection opened after the shutdown notice, whose client keeps sending streams on it until the stop closes
   * it. Tomcat upgraded it, with {@code 101} and both {@code Connection: Upgrade} and {@code Connection: close}.
   */
  @Test
  void declinesAnUpgradeAskedForDuringTheDrain() throws Exception {
    assumeDrainTestedOnThisJdk();
    int port = FreePorts.next();
    try (StartedProcess supervisor = startHttp2Sample(port)) {
      FakeSupervisor.awaitReady(supervisor);
      long worker = FakeSupervisor.workerPid(supervisor);
      KeepAliveConnection connection = new KeepAliveConnection(port);
      assertThat(connection.get("/").keepsAlive()).as("before the drain").isTrue();

      Signals.require(worker, "TERM");
      supervisor.awaitStdout("datagram STOPPING=1"::equals, Duration.ofSeconds(10));
      KeepAliveConnection.Response during = connection.exchange("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n");

      assertThat(during.head()).as("answered over HTTP/1.1").startsWith("http/1.1 200");
      assertThat(during.head()).contains("connection: close").doesNotContain("upgrade");
      assertThat(during.body()).isEqualTo("pid:" + worker + "\n");
      assertThat(connection.closedByServer()).isTrue();
      connection.close();
      assertThat(FakeSupervisor.awaitWorkerExit(supervisor, Duration.ofSeconds(30))).as(supervisor.transcript())
          .isEqualTo(143);
      assertCleanRunWithOwnDrain(supervisor);
    }
  }

  /**
   * A connection accepted before the drain that turns HTTP/2 after the shutdown notice went out (here a
   * keep-alive connection whose next bytes are the HTTP/2 preface) is told too, and serves the stream its
   * client sends next. Untold, its first GOAWAY came with {@code endpoint.stop()}, which closed it at once.
   */
  @Test
  void tellsAConnectionThatTurnsHttp2DuringTheDrain() throws Exception {
    assumeDrainTestedOnThisJdk();
    int port = FreePorts.next();
    try (StartedProcess supervisor = startHttp2Sample(port);
        H2Client client = new H2Client(port, H2Client.Mode.PRIOR_KNOWLEDGE)) {
      FakeSupervisor.awaitReady(supervisor);
      long worker = FakeSupervisor.workerPid(supervisor);
      H2Client.Connection early = client.connect();
      assertThat(early.get("/").get(20, TimeUnit.SECONDS).response()).isEqualTo(Http2Drain.OK + worker + "\n");
      KeepAliveConnection http1 = new KeepAliveConnection(port);
      assertThat(http1.get("/").keepsAlive()).as("before the drain").isTrue();

      Signals.require(worker, "TERM");
      // The notice has gone out once the connection that was HTTP/2 all along has it.
      await().atMost(Duration.ofSeconds(10)).until(() -> !early.goAways().isEmpty());
      RawH2Connection late = RawH2Connection.startOn(http1.socket());

      RawH2Connection.Frame goAway = late.readUntil(RawH2Connection.GOAWAY);
      assertThat(goAway.lastStreamId()).isEqualTo(Integer.MAX_VALUE);
      late.get(1, "/");
      assertThat(late.body(1)).as(supervisor.transcript()).isEqualTo("pid:" + worker + "\n");
      http1.close();
      assertThat(FakeSupervisor.awaitWorkerExit(supervisor, Duration.ofSeconds(30))).as(supervisor.transcript())
          .isEqualTo(143);
      assertCleanRunWithOwnDrain(supervisor);
    }
  }

  private StartedProcess startHttp2Sample(int port) throws Exception {
    return FakeSupervisor.start("127.0.0.1:" + port, server().command(server().http2Sample(), jdk(), List.of(),
        "drainTimeout=30s", Integer.toString(port)), Map.of());
  }
}
