package dev.baton.agent.it;

/** Plain Netty on NIO: netBind through Netty, OP_ACCEPT for readiness, the connection-level drain. */
@JdkMatrix
class NettyTest extends ServerTest implements ReloadUnderLoad, IdleWorkerDrain, RequestInFlightDrain {

  NettyTest(Jdk jdk) {
    super(Server.NETTY, jdk);
  }
}
