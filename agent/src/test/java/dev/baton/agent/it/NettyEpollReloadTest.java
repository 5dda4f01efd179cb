package dev.baton.agent.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.agent.samples.NettyEpollApp;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Plain Netty on the native epoll transport: the bind goes through JNI ({@code unix.Socket.bind}), not
 * the JDK; {@code doBeginRead} for readiness; the drain deregisters the channel from its event loop,
 * then closes Netty's descriptor; the connection-level drain waits for the epoll connections.
 */
class NettyEpollReloadTest extends AbstractReloadTest {

  @BeforeEach
  void epollAvailable() {
    assumeTrue(Epoll.isAvailable(), () -> "Netty's native epoll transport is not available here: "
        + Epoll.unavailabilityCause());
  }

  @Override
  String mainClass() {
    return NettyEpollApp.class.getName();
  }
}
