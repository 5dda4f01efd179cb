package dev.baton.agent.it;

import static dev.baton.agent.it.PromptAwait.await;
import static dev.baton.testkit.sample.Replies.PID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import dev.baton.testkit.signal.Signals;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@link FreshConnectionsDuringDrain}'s fix relies on: a connection the worker accepted and set up before
 * the drain, whose request arrives only after the framework's shutdown started (a client a little slower than
 * the drain), is answered by the draining worker, not closed as idle.
 */
interface RequestOnAcceptedConnectionDrain extends ServerUnderTest {

  @Test
  default void requestSentJustAfterTheDrainSignalOnAnAcceptedConnectionIsAnswered() throws Exception {
    assumeDrainTestedOnThisJdk();
    int port = FreePorts.next();
    try (StartedProcess supervisor = startUnderFakeSupervisor(port, "drainTimeout=20s")) {
      FakeSupervisor.awaitReady(supervisor);
      long worker = FakeSupervisor.workerPid(supervisor);
      assertThat(PID.ask(port, "/").pid()).isEqualTo(worker); // warm: the event loop is accepting
      List<Socket> sockets = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          Socket socket = new Socket();
          socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
          socket.setSoTimeout(10_000);
          sockets.add(socket);
        }
        // Accepted by the worker before the TERM: a connection still in the supervisor's accept queue when the
        // drain closed the worker's listener was reset when the fake supervisor exited after the worker (a
        // fixed 20 ms here was not always enough on a loaded machine).
        await().atMost(Duration.ofSeconds(10)).until(() -> Workers.acceptQueueLength(port) == 0);
        Signals.require(worker, "TERM");
        // The drain has started (listener closed, framework shutdown called a moment later): the requests
        // now arrive on connections the worker accepted but has not read anything from.
        supervisor.awaitStdout("datagram STOPPING=1"::equals, Duration.ofSeconds(10));
        Thread.sleep(400);
        List<String> responses = new ArrayList<>();
        for (Socket socket : sockets) {
          socket.getOutputStream().write(
              "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        for (Socket socket : sockets) {
          try {
            responses.add(new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
          } catch (IOException e) {
            responses.add(e.toString());
          }
        }
        assertThat(responses).as(supervisor.transcript()).allMatch(r -> r.startsWith("HTTP/1.1 200"));
      } finally {
        for (Socket socket : sockets) {
          socket.close();
        }
      }
      assertThat(FakeSupervisor.awaitWorkerExit(supervisor, Duration.ofSeconds(30))).as(supervisor.transcript())
          .isEqualTo(143);
      assertCleanRunWithOwnDrain(supervisor);
    }
  }
}
