package dev.baton.agent.it;

import org.junit.jupiter.api.Test;

/** The drain's core promise: a request in flight at TERM is answered by the draining worker, then the JVM exits. */
interface RequestInFlightDrain extends ServerUnderTest {

  @Test
  default void slowRequestInFlightCompletesThenTheJvmExits() throws Exception {
    assumeDrainTestedOnThisJdk();
    try (ServerProcess supervisor = InFlightRequest.answeredThroughTerm(this)) {
      assertCleanRunWithOwnDrain(supervisor);
    }
  }
}
