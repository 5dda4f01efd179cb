package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import dev.baton.testkit.signal.Signals;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A keep-alive client that sends its next request while the worker drains gets it answered, told to close
 * (no {@code keep-alive} left in the response), and only then sees the connection closed: never a reset for
 * a request it had already sent. For the servers whose responses the agent turns {@code Connection: close}.
 */
interface KeepAliveNextRequestDrain extends ServerUnderTest {

  @Test
  default void keepAliveClientGetsItsNextRequestAnsweredWithConnectionClose() throws Exception {
    assumeDrainTestedOnThisJdk();
    int port = FreePorts.next();
    try (StartedProcess supervisor = startUnderFakeSupervisor(port, "drainTimeout=60s,keepAliveGrace=20s");
        KeepAliveConnection connection = awaitReadyAndConnect(supervisor, port)) {
      long worker = FakeSupervisor.workerPid(supervisor);
      KeepAliveConnection.Response before = connection.get("/");
      assertThat(before.keepsAlive()).as("before the drain: %s", before.head()).isTrue();

      Signals.require(worker, "TERM");
      supervisor.awaitStdout("datagram STOPPING=1"::equals, Duration.ofSeconds(10));
      KeepAliveConnection.Response during = connection.get("/");

      assertThat(during.body()).isEqualTo("pid:" + worker + "\n");
      // HTTP/1.0 without keep-alive means close: the JDK says "Connection: close", Vert.x says nothing.
      assertThat(during.head()).as("response during the drain").doesNotContain("keep-alive");
      assertThat(connection.closedByServer()).isTrue();
      // The last connection is gone: the worker exits well before the 20 s grace.
      assertThat(FakeSupervisor.awaitWorkerExit(supervisor, Duration.ofSeconds(10))).as(supervisor.transcript())
          .isEqualTo(143);
      assertCleanRunWithOwnDrain(supervisor);
    }
  }

  private static KeepAliveConnection awaitReadyAndConnect(StartedProcess supervisor, int port) throws Exception {
    FakeSupervisor.awaitReady(supervisor);
    return new KeepAliveConnection(port);
  }
}
