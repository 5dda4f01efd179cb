package dev.baton.agent.it;

import dev.baton.testkit.process.StartedProcess;
import org.junit.jupiter.api.Test;

/** The drain's core promise: a request in flight at TERM is answered by the draining worker, then the JVM exits. */
interface RequestInFlightDrain extends ServerUnderTest {

  @Test
  default void slowRequestInFlightCompletesThenTheJvmExits() throws Exception {
    assumeDrainTestedOnThisJdk();
    try (StartedProcess supervisor = InFlightRequest.answeredThroughTerm(this)) {
      assertCleanRunWithOwnDrain(supervisor);
    }
  }
}
