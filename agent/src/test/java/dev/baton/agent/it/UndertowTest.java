package dev.baton.agent.it;

/**
 * Undertow 2: netBind through XNIO's {@code NioXnioWorker} ({@code ServerSocketChannel.bind}), OP_ACCEPT registration
 * for readiness, the Undertow drain (its idle keep-alive connections closed by the agent: Undertow has no idle timeout
 * by default).
 */
@JdkMatrix
class UndertowTest extends ServerTest implements ReloadUnderLoad, IdleWorkerDrain, RequestInFlightDrain,
    KeepAliveNextRequestDrain, IdleKeepAliveDrain, KeepAliveInFlightDrain, RequestOnAcceptedConnectionDrain,
    Http2PriorKnowledgeDrain, Http2ReloadUnderLoad {

  UndertowTest(Jdk jdk) {
    super(Server.UNDERTOW, jdk);
  }
}
