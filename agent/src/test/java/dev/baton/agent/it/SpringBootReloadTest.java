package dev.baton.agent.it;

import dev.baton.agent.samples.SpringBootApp;

/**
 * Spring Boot 4 on Tomcat: the agent's Tomcat drain runs first, then the JVM's shutdown hooks, where
 * Spring's own graceful shutdown finds nothing left to wait for.
 */
class SpringBootReloadTest extends AbstractReloadTest {

  @Override
  String mainClass() {
    return SpringBootApp.class.getName();
  }
}
