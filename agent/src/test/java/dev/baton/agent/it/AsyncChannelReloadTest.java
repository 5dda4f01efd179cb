package dev.baton.agent.it;

import dev.baton.agent.samples.AsyncChannelApp;

/** AsynchronousServerSocketChannel: its own bind, accept for readiness, the connection-level drain. */
class AsyncChannelReloadTest extends AbstractReloadTest {

  @Override
  String mainClass() {
    return AsyncChannelApp.class.getName();
  }
}
