package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testkit.process.StartedProcess;

/** What the Spring Boot samples print: {@code spring context closed} when their context is closed. */
final class SpringContext {

  private SpringContext() {}

  /**
   * Spring Boot samples: after the agent's drain, Spring's shutdown hook closed the context (graceful
   * shutdown, web server stop, beans destroyed), so the worker left through the JVM's normal shutdown path.
   */
  static void assertClosedAfterTheDrain(Server server, StartedProcess supervisor) {
    if (server.hasSpringContext()) {
      assertThat(supervisor.stdout()).as(supervisor.transcript())
          .containsSubsequence("datagram STOPPING=1", "spring context closed", "exit 143");
    }
  }
}
