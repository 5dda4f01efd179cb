package dev.baton.agent.it;

import dev.baton.testkit.process.StartedProcess;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Undertow whose application wrapped its handler in its own {@code GracefulShutdownHandler}: the agent's drain
 * shuts that handler down and awaits it, before the application's own shutdown hook runs. Not
 * {@link RequestInFlightDrain} as such: the test below is that behaviour with the handler's line checked too.
 */
@JdkMatrix
class UndertowGracefulShutdownHandlerTest extends ServerTest implements ReloadUnderLoad, IdleWorkerDrain,
    KeepAliveNextRequestDrain, IdleKeepAliveDrain, KeepAliveInFlightDrain, FreshConnectionsDuringDrain,
    RequestOnAcceptedConnectionDrain {

  UndertowGracefulShutdownHandlerTest(Jdk jdk) {
    super(Server.UNDERTOW_GRACEFUL, jdk);
  }

  /** The request in flight finishes within the handler's own graceful shutdown, which the agent awaited. */
  @Test
  void gracefulShutdownHandlerIsShutDownAndAwaitedWithTheRequestInFlight() throws Exception {
    assumeDrainTestedOnThisJdk();
    try (StartedProcess supervisor = InFlightRequest.answeredThroughTerm(this)) {
      supervisor.awaitStderr(line -> line.matches(
          "baton-agent: Undertow GracefulShutdownHandler shut down; its requests in flight finished after \\d+ ms"),
          Duration.ofSeconds(5));
      assertCleanRunWithOwnDrain(supervisor);
    }
  }
}
