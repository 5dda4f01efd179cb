package dev.baton.agent.it;

/**
 * Spring Boot 4 MVC on Jetty 12: the agent's Jetty drain stops the server; Spring's own graceful shutdown then runs in
 * the JVM's shutdown hook, finds no request active and returns at once.
 */
@JdkMatrix
class SpringBootJettyTest extends ServerTest implements ReloadUnderLoad, IdleWorkerDrain, RequestInFlightDrain,
    KeepAliveInFlightDrain {

  SpringBootJettyTest(Jdk jdk) {
    super(Server.SPRING_BOOT_JETTY, jdk);
  }
}
