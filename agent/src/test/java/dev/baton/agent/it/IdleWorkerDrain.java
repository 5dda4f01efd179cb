package dev.baton.agent.it;

import static dev.baton.testkit.sample.Replies.PID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import dev.baton.testkit.signal.Signals;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The protocol with the supervisor and the drain of an idle worker, under the fake supervisor: the worker
 * reports the adopted socket ({@code STATUS=adopted ... (fd 3)}), then {@code READY=1} once it accepts (a
 * request is answered by it), and on TERM {@code STOPPING=1}; with nothing in flight it exits at once
 * (143, the JVM's exit for TERM), far below its 60 s drain timeout.
 */
interface IdleWorkerDrain extends ServerUnderTest {

  @Test
  default void reportsAdoptionThenReadyThenExitsPromptlyOnTerm() throws Exception {
    assumeDrainTestedOnThisJdk();
    int port = FreePorts.next();
    try (StartedProcess supervisor = startUnderFakeSupervisor(port, "drainTimeout=60s")) {
      FakeSupervisor.awaitReady(supervisor);
      assertThat(FakeSupervisor.datagrams(supervisor)).as(supervisor.transcript())
          .containsSubsequence("STATUS=adopted 127.0.0.1:" + port + " (fd 3)", "READY=1");
      // Ready means accepting: a request is answered by the worker the supervisor started.
      long worker = FakeSupervisor.workerPid(supervisor);
      assertThat(PID.ask(port, "/").pid()).isEqualTo(worker);

      Signals.require(worker, "TERM");
      // Nothing in flight, nothing waited for (Spring's graceful shutdown, 30 s at most, included).
      assertThat(FakeSupervisor.awaitWorkerExit(supervisor, Duration.ofSeconds(10))).as(supervisor.transcript())
          .isEqualTo(143);
      assertThat(FakeSupervisor.datagrams(supervisor)).contains("STOPPING=1");
      SpringContext.assertClosedAfterTheDrain(server(), supervisor);
      assertCleanRunWithOwnDrain(supervisor);
    }
  }
}
