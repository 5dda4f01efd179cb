package dev.baton.agent.it;

import dev.baton.agent.samples.PlainServerSocketApp;

/** java.net.ServerSocket: NioSocketImpl.bind and listen; sets IP_TOS on an inherited AF_INET socket. */
class PlainServerSocketReloadTest extends AbstractReloadTest {

  @Override
  String mainClass() {
    return PlainServerSocketApp.class.getName();
  }
}
