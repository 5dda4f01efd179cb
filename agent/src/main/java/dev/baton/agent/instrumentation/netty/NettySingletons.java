package dev.baton.agent.instrumentation.netty;

import dev.baton.agent.adopt.ForeignListener;
import dev.baton.agent.adopt.SocketAdopter;
import dev.baton.agent.drain.LazyDrain;
import dev.baton.agent.log.Log;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the code injected into Netty's classes calls. Netty is loaded by the application's class loader, which
 * sees the agent's classes through the system class loader (but not the hook class inside java.base), so the
 * injected code calls these static methods directly. Each swallows what it throws and answers "run Netty's code
 * unchanged": a failing agent must never break the application's networking.
 */
public final class NettySingletons {

  /** Netty descriptors adopted after their epoll registration; see {@code EpollNativeInstrumentation}. */
  private static final Set<Integer> LOST_EPOLL_REGISTRATIONS = ConcurrentHashMap.newKeySet();

  private static final LazyDrain<NettyHttp2GoAway> HTTP2 = new LazyDrain<>() {
    @Override
    protected NettyHttp2GoAway create() {
      return new NettyHttp2GoAway();
    }
  };

  private NettySingletons() {}

  /**
   * At the start of {@code io.netty.channel.unix.Socket.bind(SocketAddress)} (Netty's native transports, epoll
   * and io_uring; TCP or a Unix-domain {@code DomainSocketAddress}): true skips the bind. The kqueue transport does
   * not run on Linux.
   */
  public static boolean bind(Object socket, int fd, SocketAddress requested) {
    SocketAdopter adopter = SocketAdopter.installed();
    try {
      NettyListener listener = adopter == null ? null : NettyListener.of(socket);
      SocketAddress address = listener == null ? null : NettyListener.jdkAddress(requested);
      if (address == null || !adopter.adoptForeign(socket, fd, address, listener)) {
        return false;
      }
      if (listener.isEpoll()) {
        // Netty registered its fresh socket with epoll before binding; the dup2 closed that socket and so ended
        // the registration: the next epoll call on fd (on this same event loop) must add it again. (io_uring has
        // no registration per descriptor: each accept it submits names the descriptor.)
        LOST_EPOLL_REGISTRATIONS.add(fd);
      }
      return true;
    } catch (Throwable t) {
      Log.error("adopting " + requested + " for Netty; it binds normally", t);
      return false;
    }
  }

  /**
   * At the start of {@code Native.epollCtlAdd/Mod/Del} (every epoll interest change, so the common case
   * is one read of an empty set): true, once, for an adopted descriptor whose epoll registration the adoption's
   * {@code dup2} removed.
   */
  public static boolean epollRegistrationLost(int fd) {
    return !LOST_EPOLL_REGISTRATIONS.isEmpty() && LOST_EPOLL_REGISTRATIONS.remove(fd);
  }

  /** At the start of {@code io.netty.channel.unix.Socket.listen(int)}: true skips the listen. */
  public static boolean skipListen(Object socket) {
    return adopted(socket) != null;
  }

  /**
   * At the start of {@code EpollServerDomainSocketChannel.doClose()} and of the close listener of
   * {@code IoUringServerDomainSocketChannel}: true closes the channel without deleting its socket file, which
   * for an adopted path is the supervisor's and the next generation's.
   */
  public static boolean keepsSocketFile(Object socket) {
    return adopted(socket) != null;
  }

  /**
   * At the start of {@code AbstractEpollChannel.doBeginRead()} and {@code AbstractIoUringChannel.doBeginRead()}
   * (every channel of those transports, connections included): an adopted server channel that starts reading is
   * accepting, as {@code OP_ACCEPT} is for NIO, and is the channel the drain stops.
   */
  public static void reading(Object channel, Object socket) {
    try {
      if (adopted(socket) instanceof NettyListener listener) {
        listener.reading(channel);
        SocketAdopter.installed().foreignAccepting(socket);
      }
    } catch (Throwable t) {
      Log.error("watching a Netty native channel start reading", t);
    }
  }

  /**
   * Before {@code newChildChannel} of {@code EpollServerSocketChannel}, {@code EpollServerDomainSocketChannel},
   * {@code IoUringServerSocketChannel} or {@code IoUringServerDomainSocketChannel} returns: the listener's socket
   * and the connection.
   */
  public static void accepted(Object listenerSocket, Object connection) {
    SocketAdopter adopter = SocketAdopter.installed();
    if (adopter != null && connection != null) {
      try {
        adopter.accepted(listenerSocket, connection);
      } catch (Throwable t) {
        Log.error("tracking a Netty native connection", t);
      }
    }
  }

  /** After {@code Http2ConnectionHandler.handlerAdded(ctx)}: an HTTP/2 connection of Netty's codec, for its notice. */
  public static void http2ConnectionAdded(Object context) {
    try {
      HTTP2.get().register(context);
    } catch (Throwable t) {
      // never break the application's pipeline
    }
  }

  private static ForeignListener adopted(Object socket) {
    SocketAdopter adopter = SocketAdopter.installed();
    return adopter == null ? null : adopter.foreignListener(socket);
  }
}
