package dev.baton.agent.it;

/**
 * Vert.x 5 on Netty NIO: netBind through Netty, OP_ACCEPT for readiness, {@code HttpServer.shutdown} to drain; over
 * HTTP/2 Netty's codec, told GOAWAY by the agent (in cleartext and behind its SslHandler).
 */
@JdkMatrix
class VertxTest extends ServerTest implements ReloadUnderLoad, IdleWorkerDrain, RequestInFlightDrain,
    KeepAliveNextRequestDrain, FreshConnectionsDuringDrain, RequestOnAcceptedConnectionDrain, Http2PriorKnowledgeDrain,
    Http2UpgradeDrain, Http2TlsDrain, Http2ReloadUnderLoad {

  VertxTest(Jdk jdk) {
    super(Server.VERTX, jdk);
  }
}
