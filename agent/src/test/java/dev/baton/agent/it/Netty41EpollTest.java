package dev.baton.agent.it;

/**
 * Netty 4.1's native epoll transport (the test class path has Vert.x's Netty 4.2): the worker runs on the samples'
 * classes and the Netty 4.1 jars Maven copies to {@code target/netty41}. The agent rewrites the same Netty methods in
 * 4.1 as in 4.2 ({@code unix.Socket.bind/listen}, {@code AbstractEpollChannel.doBeginRead}, {@code
 * EpollServerSocketChannel.newChildChannel}, {@code Native.epollCtl*}); without them the worker's bind would fail (the
 * supervisor holds the port).
 */
@JdkMatrix
class Netty41EpollTest extends ServerTest implements ReloadUnderLoad {

  Netty41EpollTest(Jdk jdk) {
    super(Server.NETTY_41_EPOLL, jdk);
  }
}
