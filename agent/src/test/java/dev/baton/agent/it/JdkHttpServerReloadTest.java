package dev.baton.agent.it;

import dev.baton.agent.samples.JdkHttpServerApp;

/** JDK HttpServer: ServerSocketChannel.socket().bind, hence ServerSocketChannelImpl.netBind. */
class JdkHttpServerReloadTest extends AbstractReloadTest {

  @Override
  String mainClass() {
    return JdkHttpServerApp.class.getName();
  }
}
