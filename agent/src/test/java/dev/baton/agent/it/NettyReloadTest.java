package dev.baton.agent.it;

import dev.baton.agent.samples.NettyApp;

/** Plain Netty on NIO: netBind through Netty, OP_ACCEPT for readiness, the connection-level drain. */
class NettyReloadTest extends AbstractReloadTest {

  @Override
  String mainClass() {
    return NettyApp.class.getName();
  }
}
