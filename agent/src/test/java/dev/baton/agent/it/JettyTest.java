package dev.baton.agent.it;

/**
 * Jetty 12: netBind through its ServerConnector, blocking accept for readiness, its graceful stop to drain; HTTP/2 in
 * cleartext and behind its SslConnection.
 */
@JdkMatrix
class JettyTest extends ServerTest implements ReloadUnderLoad, IdleWorkerDrain, RequestInFlightDrain,
    KeepAliveInFlightDrain, FreshConnectionsDuringDrain, RequestOnAcceptedConnectionDrain, Http2PriorKnowledgeDrain,
    Http2UpgradeDrain, Http2TlsDrain, Http2ReloadUnderLoad {

  JettyTest(Jdk jdk) {
    super(Server.JETTY, jdk);
  }
}
