package dev.baton.agent.it;

import dev.baton.agent.samples.VertxApp;

/** Vert.x 5 on Netty NIO: netBind through Netty, OP_ACCEPT for readiness, HttpServer.shutdown to drain. */
class VertxReloadTest extends AbstractReloadTest {

  @Override
  String mainClass() {
    return VertxApp.class.getName();
  }
}
