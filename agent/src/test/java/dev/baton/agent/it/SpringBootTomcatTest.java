package dev.baton.agent.it;

/**
 * Spring Boot 4 MVC on Tomcat: the agent's Tomcat drain runs first, then the JVM's shutdown hooks, where Spring's own
 * graceful shutdown finds nothing left to wait for.
 */
@JdkMatrix
class SpringBootTomcatTest extends ServerTest implements ReloadUnderLoad, IdleWorkerDrain, RequestInFlightDrain,
    KeepAliveInFlightDrain {

  SpringBootTomcatTest(Jdk jdk) {
    super(Server.SPRING_BOOT_TOMCAT, jdk);
  }
}
