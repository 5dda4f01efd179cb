package dev.baton.agent.it;

import dev.baton.agent.samples.SpringBootWebFluxApp;

/**
 * Spring Boot 4 WebFlux on Reactor Netty (NIO): netBind through Netty, OP_ACCEPT for readiness, the
 * Reactor Netty drain ({@code Connection: close} while draining, then idle connections closed).
 */
class SpringBootWebFluxReloadTest extends AbstractReloadTest {

  @Override
  String mainClass() {
    return SpringBootWebFluxApp.class.getName();
  }
}
