package dev.baton.agent.it;

import dev.baton.agent.samples.NettyApp;

/** Plain Netty on NIO: netBind through Netty, OP_ACCEPT for readiness, the connection-level drain. */
class NettyReloadTest extends AbstractReloadTest {

  @Override
  String mainClass() {
    return NettyApp.class.getName();
  }

  /**
   * Plain Netty may log one ClosedChannelException from {@code ServerSocketChannelImpl.accept} when the
   * drain closes the adopted listener while Netty's event loop is inside accept (the agent closes the
   * JDK channel from its drain thread; Netty has no hook the agent drives). Netty logs it and carries
   * on: no connection is lost (the load assertion above covers that). Only that exact warning, with
   * its stack trace, is ignored; anything else still fails the test.
   */
  @Override
  String withoutKnownNoise(String transcript) {
    return transcript.replaceAll(
        "(?m)^.*DefaultChannelPipeline onUnhandledInboundException\\R"
            + "WARNING: An exceptionCaught\\(\\) event was fired.*\\R"
            + "java\\.nio\\.channels\\.ClosedChannelException\\R"
            + "(?:\\s+at .*\\R)+",
        "");
  }
}
