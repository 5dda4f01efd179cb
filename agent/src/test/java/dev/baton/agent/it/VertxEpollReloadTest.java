package dev.baton.agent.it;

import dev.baton.agent.samples.VertxEpollApp;
import org.junit.jupiter.api.BeforeEach;

/**
 * Vert.x 5 with {@code preferNativeTransport}: its server channel is Netty's epoll one, adopted as in
 * {@link NettyEpollReloadTest}; the drain is Vert.x's {@code HttpServer.shutdown}, after the hand-over
 * wait for epoll connections not yet registered with their event loop.
 */
class VertxEpollReloadTest extends AbstractReloadTest {

  @BeforeEach
  void epollAvailable() {
    Workers.assumeTransportAvailable(VertxEpollApp.class);
  }

  @Override
  String mainClass() {
    return VertxEpollApp.class.getName();
  }
}
