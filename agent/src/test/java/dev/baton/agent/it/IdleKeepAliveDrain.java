package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import dev.baton.testkit.signal.Signals;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A keep-alive connection that stays idle through the drain is closed once the keep-alive grace (1 s by
 * default) is over, with a FIN, not a reset: the worker exits long before the drain timeout. For servers
 * with no idle timeout of their own by default (Undertow), whose idle connections the agent closes.
 */
interface IdleKeepAliveDrain extends ServerUnderTest {

  @Test
  default void idleKeepAliveConnectionIsClosedAfterTheGrace() throws Exception {
    assumeDrainTestedOnThisJdk();
    int port = FreePorts.next();
    try (StartedProcess supervisor = startUnderFakeSupervisor(port, "drainTimeout=60s")) {
      FakeSupervisor.awaitReady(supervisor);
      try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
        long worker = FakeSupervisor.workerPid(supervisor);
        assertThat(connection.get("/").keepsAlive()).as("before the drain").isTrue();

        Signals.require(worker, "TERM");
        // Within the connection's 20 s read timeout; a reset would throw instead.
        assertThat(connection.closedByServer()).as(supervisor.transcript()).isTrue();
        assertThat(FakeSupervisor.awaitWorkerExit(supervisor, Duration.ofSeconds(10))).as(supervisor.transcript())
            .isEqualTo(143);
      }
      assertCleanRunWithOwnDrain(supervisor);
    }
  }
}
