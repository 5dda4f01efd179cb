package dev.baton.agent.instrumentation.netty;

import dev.baton.agent.Log;
import java.net.SocketAddress;

/**
 * What the code injected into Netty's native transport classes calls. Netty is loaded by the
 * application's class loader, which sees the agent's classes through the system class loader (but not
 * the hook class inside java.base), so the injected code calls these static methods directly. Each
 * swallows what it throws and answers "run Netty's code unchanged": a failing agent must never break the
 * application's networking. Set once at start-up.
 */
public final class NettySingletons {

  private static volatile SocketAdopter adopter;

  private NettySingletons() {}

  public static void install(SocketAdopter socketAdopter) {
    adopter = socketAdopter;
  }

  /** At the start of {@code io.netty.channel.unix.Socket.bind(SocketAddress)}: true skips the bind. */
  public static boolean bind(Object socket, int fd, SocketAddress requested) {
    SocketAdopter current = adopter;
    try {
      return current != null && current.adoptNettySocket(socket, fd, requested);
    } catch (Throwable t) {
      Log.error("adopting " + requested + " for Netty; it binds normally", t);
      return false;
    }
  }

  /**
   * At the start of {@code Native.epollCtlAdd/Mod/Del} (every epoll interest change, so the common case
   * is one volatile read): true, once, for an adopted descriptor whose epoll registration the adoption's
   * {@code dup2} removed.
   */
  public static boolean epollRegistrationLost(int fd) {
    SocketAdopter current = adopter;
    return current != null && current.takeLostEpollRegistration(fd);
  }

  /** At the start of {@code io.netty.channel.unix.Socket.listen(int)}: true skips the listen. */
  public static boolean skipListen(Object socket) {
    SocketAdopter current = adopter;
    return current != null && current.isAdoptedNettySocket(socket);
  }

  /**
   * At the start of {@code EpollServerDomainSocketChannel.doClose()} and of the close listener of
   * {@code IoUringServerDomainSocketChannel}: true closes the channel without deleting its socket file, which
   * for an adopted path is the supervisor's and the next generation's.
   */
  public static boolean keepsSocketFile(Object socket) {
    SocketAdopter current = adopter;
    return current != null && current.isAdoptedNettySocket(socket);
  }

  /**
   * At the start of {@code AbstractEpollChannel.doBeginRead()} and {@code AbstractIoUringChannel.doBeginRead()}:
   * {@code channel} and its {@code socket}.
   */
  public static void reading(Object channel, Object socket) {
    SocketAdopter current = adopter;
    if (current != null) {
      try {
        current.nativeReading(channel, socket);
      } catch (Throwable t) {
        Log.error("watching an epoll channel start reading", t);
      }
    }
  }

  /**
   * Before {@code newChildChannel} of {@code EpollServerSocketChannel}, {@code EpollServerDomainSocketChannel},
   * {@code IoUringServerSocketChannel} or {@code IoUringServerDomainSocketChannel} returns: the listener's socket
   * and the connection.
   */
  public static void accepted(Object listenerSocket, Object connection) {
    SocketAdopter current = adopter;
    if (current != null && connection != null) {
      try {
        current.accepted(listenerSocket, connection);
      } catch (Throwable t) {
        Log.error("tracking an epoll connection", t);
      }
    }
  }
}
