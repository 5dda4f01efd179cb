package dev.baton.agent.it;

import dev.baton.agent.samples.SpringBootJettyApp;

/**
 * Spring Boot 4 MVC on Jetty 12: the agent's Jetty drain stops the server; Spring's own graceful shutdown
 * then runs in the JVM's shutdown hook, finds no request active and returns at once.
 */
class SpringBootJettyReloadTest extends AbstractReloadTest {

  @Override
  String mainClass() {
    return SpringBootJettyApp.class.getName();
  }
}
