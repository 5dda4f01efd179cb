package dev.baton.agent.it;

/**
 * Spring Boot 4 WebFlux on Reactor Netty (NIO): netBind through Netty, OP_ACCEPT for readiness, the Reactor Netty
 * drain ({@code Connection: close} while draining, then idle connections closed); over HTTP/2 Netty's codec, told
 * GOAWAY as Vert.x's is. Not {@link FreshConnectionsDuringDrain}: a Spring start per round costs ~15 s here, and
 * Reactor Netty leaves connections set up after its server channel closed alone (Vert.x's race is its load
 * balancer's); one run with it answered 1,033 fresh-connection requests, none failed.
 */
@JdkMatrix
class SpringBootWebFluxTest extends ServerTest implements ReloadUnderLoad, IdleWorkerDrain, RequestInFlightDrain,
    KeepAliveInFlightDrain, RequestOnAcceptedConnectionDrain, Http2PriorKnowledgeDrain {

  SpringBootWebFluxTest(Jdk jdk) {
    super(Server.SPRING_BOOT_WEBFLUX, jdk);
  }
}
