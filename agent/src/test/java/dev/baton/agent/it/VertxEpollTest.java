package dev.baton.agent.it;

/**
 * Vert.x 5 with {@code preferNativeTransport}: its server channel is Netty's epoll one, adopted as in {@link
 * NettyEpollTest}; the drain is Vert.x's {@code HttpServer.shutdown}, after the hand-over wait for epoll connections
 * not yet registered with their event loop.
 */
@JdkMatrix
class VertxEpollTest extends ServerTest implements ReloadUnderLoad, FreshConnectionsDuringDrain {

  VertxEpollTest(Jdk jdk) {
    super(Server.VERTX_EPOLL, jdk);
  }
}
