package dev.baton.agent.it;

/**
 * Vert.x 5 on Netty's io_uring transport: its server channel is Netty's {@code IoUringServerSocketChannel}, adopted
 * and stopped as in {@link NettyIoUringTest}; the drain is Vert.x's {@code HttpServer.shutdown}, whose close of the
 * server channel completes only once io_uring's own close of the descriptor does.
 */
@JdkMatrix
class VertxIoUringTest extends ServerTest implements ReloadUnderLoad {

  VertxIoUringTest(Jdk jdk) {
    super(Server.VERTX_IO_URING, jdk);
  }
}
