package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import dev.baton.testkit.signal.Signals;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDK HttpServer: {@code ServerSocketChannel.socket().bind}, hence {@code ServerSocketChannelImpl.netBind};
 * its drain stops the server once its exchanges are done, read from {@code sun.net.httpserver.ServerImpl} the
 * way the running JDK build has it (a field on Debian's 17.0.15, a method on its current 17 and on 25). Also
 * under Perl's start_server.
 */
@JdkMatrix
class JdkHttpServerTest extends ServerTest implements ReloadUnderPerlStartServer, IdleWorkerDrain,
    RequestInFlightDrain, KeepAliveNextRequestDrain, FreshConnectionsDuringDrain, RequestOnAcceptedConnectionDrain {

  JdkHttpServerTest(Jdk jdk) {
    super(Server.JDK_HTTP_SERVER, jdk);
  }

  /**
   * start_server (and baton) send signal-on-hup to every old worker each time a new generation is ready,
   * also to one still draining: with reloads faster than drains the same signal comes again. It must not cut
   * the drain short: the request in flight is still answered.
   */
  @Test
  void theDrainSignalAgainDuringTheDrainDoesNotCutItShort() throws Exception {
    int port = FreePorts.next();
    try (StartedProcess supervisor = startUnderFakeSupervisor(port, "drainTimeout=60s")) {
      FakeSupervisor.awaitReady(supervisor);
      long worker = FakeSupervisor.workerPid(supervisor);
      CompletableFuture<Long> slow = InFlightRequest.sent(supervisor, port, 3000);
      Signals.require(worker, "TERM");
      supervisor.awaitStdout("datagram STOPPING=1"::equals, Duration.ofSeconds(10));
      Signals.require(worker, "TERM");

      assertThat(slow.get(30, TimeUnit.SECONDS)).as("answered by the draining worker").isEqualTo(worker);
      supervisor.awaitStderr(line -> line.contains("again while draining: ignored"), Duration.ofSeconds(10));
      assertThat(FakeSupervisor.awaitWorkerExit(supervisor, Duration.ofSeconds(30))).as(supervisor.transcript())
          .isEqualTo(143);
      assertCleanRunWithOwnDrain(supervisor);
    }
  }

  /**
   * The JDK HttpServer counts an exchange as over only after a complete response: one whose client went away
   * first (reset) is counted in flight for ever. The drain must not wait for it until the drain timeout: its
   * connection is closed, nothing can be answered any more.
   */
  @Test
  void exchangeWhoseClientWentAwayDoesNotHoldTheDrain() throws Exception {
    int port = FreePorts.next();
    try (StartedProcess supervisor = startUnderFakeSupervisor(port, "drainTimeout=60s")) {
      FakeSupervisor.awaitReady(supervisor);
      long worker = FakeSupervisor.workerPid(supervisor);
      try (Socket impatient = new Socket()) {
        impatient.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        impatient.getOutputStream().write("GET /slow?ms=500 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1));
        supervisor.awaitStdout(line -> line.startsWith("handling /slow"), Duration.ofSeconds(10));
        impatient.setSoLinger(true, 0); // close with a reset: the handler's response then fails
      }
      Signals.require(worker, "TERM");
      // Far below the 60 s drain timeout: the exchange ends, failed, about 0.5 s in.
      assertThat(FakeSupervisor.awaitWorkerExit(supervisor, Duration.ofSeconds(20))).as(supervisor.transcript())
          .isEqualTo(143);
    }
  }

  /**
   * The JDK HttpServer reads requests on one dispatcher thread. On a loaded machine that thread can be
   * descheduled while a keep-alive client's next request waits unread in the socket, and the server's books
   * still show the connection idle. A drain that then stops the server closed that connection with the
   * request in it (the kernel resets it: ab -k counted an "exception" in one of 52 reloads). Here the
   * dispatcher is kept from reading idle connections (the sample's {@code /freeze-dispatcher}) until the
   * keep-alive grace is over and the drain has had time to stop the server, and the request sent meanwhile
   * must still be answered, with {@code Connection: close}.
   */
  @Test
  void answersARequestWaitingUnreadWhenTheGraceEnds(@TempDir Path tempDir) throws Exception {
    int port = FreePorts.next();
    Path release = tempDir.resolve("release-dispatcher");
    List<String> worker = server().command(jdk(), List.of(FREEZE_ACCESS), "drainTimeout=30s,keepAliveGrace=2s",
        Integer.toString(port));
    try (StartedProcess supervisor = FakeSupervisor.start("127.0.0.1:" + port, worker, Map.of())) {
      FakeSupervisor.awaitReady(supervisor);
      long workerPid = FakeSupervisor.workerPid(supervisor);
      try (KeepAliveConnection client = new KeepAliveConnection(port);
          KeepAliveConnection freezer = new KeepAliveConnection(port)) {
        assertThat(client.get("/").keepsAlive()).as("before the drain").isTrue();
        assertThat(freezer.get("/").keepsAlive()).isTrue();
        Signals.require(workerPid, "TERM");
        supervisor.awaitStdout("datagram STOPPING=1"::equals, Duration.ofSeconds(10));
        freezer.get("/freeze-dispatcher?until=" + release);
        supervisor.awaitStdout("dispatcher frozen"::equals, Duration.ofSeconds(10));

        client.send("/"); // before the grace ends: the drain must find it waiting in the socket
        CompletableFuture<KeepAliveConnection.Response> during = CompletableFuture.supplyAsync(() -> {
          try {
            return client.read();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
        supervisor.awaitStderr(line -> line.contains("(keepAliveGrace)"), Duration.ofSeconds(20));
        // The grace is over with the client's request unread. A drain that does not look at the sockets
        // stops the server now (it polls every 10 ms), closing the connection under the request; the
        // client sees the reset once the dispatcher runs again (NIO closes a channel still registered
        // with a selector only then). Half a second gives such a stop ample time to happen first.
        Thread.sleep(500);
        assertThat(during).as("nothing answers while the dispatcher is held").isNotDone();
        Files.createFile(release);

        KeepAliveConnection.Response response = during.get(20, TimeUnit.SECONDS);
        assertThat(response.body()).isEqualTo("pid:" + workerPid + "\n");
        assertThat(response.head()).as("response during the drain").doesNotContain("keep-alive");
        assertThat(client.closedByServer()).isTrue();
      }
      assertThat(FakeSupervisor.awaitWorkerExit(supervisor, Duration.ofSeconds(30))).as(supervisor.transcript())
          .isEqualTo(143);
      assertThat(supervisor.stderr()).as(supervisor.transcript())
          .anyMatch(line -> line.contains("request(s) left unread in their sockets"));
    }
  }

  /**
   * A keep-alive client on a loaded machine can take longer than the grace to come back with its next
   * request. While other clients keep coming back (their connections close after a {@code Connection: close}
   * answer) the grace restarts, so it is answered too instead of having its connection closed as idle under
   * it. Here one client comes back after half the grace, the other three quarters of a grace after that: a
   * quarter of a grace past a fixed grace, a quarter of a grace before the end of the restarted one.
   */
  @Test
  void keepAliveGraceRestartsWhileClientsKeepComingBack() throws Exception {
    int port = FreePorts.next();
    try (StartedProcess supervisor = startUnderFakeSupervisor(port, "drainTimeout=30s,keepAliveGrace=2s")) {
      FakeSupervisor.awaitReady(supervisor);
      long worker = FakeSupervisor.workerPid(supervisor);
      try (KeepAliveConnection early = new KeepAliveConnection(port);
          KeepAliveConnection late = new KeepAliveConnection(port)) {
        assertThat(early.get("/").keepsAlive()).as("before the drain").isTrue();
        assertThat(late.get("/").keepsAlive()).isTrue();
        Signals.require(worker, "TERM");
        supervisor.awaitStdout("datagram STOPPING=1"::equals, Duration.ofSeconds(10));

        Thread.sleep(1_000); // a client's think time, not a wait for the server
        KeepAliveConnection.Response first = early.get("/");
        Thread.sleep(1_500);
        KeepAliveConnection.Response second = late.get("/");

        assertThat(first.body()).isEqualTo("pid:" + worker + "\n");
        assertThat(second.body()).as("answered 2.5 s into a drain with a 2 s grace").isEqualTo("pid:" + worker + "\n");
        assertThat(second.head()).doesNotContain("keep-alive");
        assertThat(late.closedByServer()).isTrue();
      }
      assertThat(FakeSupervisor.awaitWorkerExit(supervisor, Duration.ofSeconds(30))).as(supervisor.transcript())
          .isEqualTo(143);
      assertCleanRunWithOwnDrain(supervisor);
    }
  }

  /**
   * {@code drainTimeout} bounds an old worker's life even when a step of the drain blocks: here the drain's
   * count of the responses in progress waits for a lock the application holds for a minute (the sample's
   * {@code /freeze-dispatcher?lock=rspConnections}), as a listener's close waits for an accept stuck on a
   * socket another process made blocking. The watchdog ends the drain 2 s past the timeout, says where it was
   * blocked, and the JVM exits 143 through its normal path; without it the worker lived until the application
   * let go.
   */
  @Test
  void aDrainBlockedPastItsTimeoutEndsSoonAfterWithOneWarning(@TempDir Path tempDir) throws Exception {
    int port = FreePorts.next();
    Path release = tempDir.resolve("release"); // never created: the lock is held for a minute
    List<String> worker = server().command(jdk(), List.of(FREEZE_ACCESS), "drainTimeout=1s", Integer.toString(port));
    try (StartedProcess supervisor = FakeSupervisor.start("127.0.0.1:" + port, worker, Map.of());
        Socket freezer = new Socket()) {
      FakeSupervisor.awaitReady(supervisor);
      long workerPid = FakeSupervisor.workerPid(supervisor);
      freezer.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      OutputStream out = freezer.getOutputStream();
      out.write(("GET /freeze-dispatcher?until=" + release + "&lock=rspConnections HTTP/1.1\r\nHost: test\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      supervisor.awaitStdout("dispatcher frozen"::equals, Duration.ofSeconds(10));

      Signals.require(workerPid, "TERM");

      // 1 s of drain timeout, 2 s of watchdog slack: far less than the minute the lock is held.
      assertThat(FakeSupervisor.awaitWorkerExit(supervisor, Duration.ofSeconds(25))).as(supervisor.transcript())
          .isEqualTo(143);
      assertThat(supervisor.stderr()).as(supervisor.transcript())
          .anyMatch(line -> line.contains("drain still blocked") && line.contains("exiting anyway"));
      assertThat(supervisor.stdout()).as("the application still held its lock").doesNotContain("dispatcher released");
    }
  }

  /** For the sample's {@code /freeze-dispatcher}, which reaches into the server's internals; not for the agent. */
  private static final String FREEZE_ACCESS = "--add-opens=jdk.httpserver/sun.net.httpserver=ALL-UNNAMED";
}
