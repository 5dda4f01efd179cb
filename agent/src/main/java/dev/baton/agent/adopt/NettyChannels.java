package dev.baton.agent.adopt;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The few Netty calls the agent makes on the objects of Netty's native transport, by reflection (the
 * agent does not depend on Netty): a {@code io.netty.channel.Channel}'s state, and the listener's
 * {@code io.netty.channel.unix.Socket}. Methods are looked up on Netty's public types through the
 * object's own class loader, so Netty 4.1 and 4.2 (same names) both work.
 */
public final class NettyChannels {

  private static final String CHANNEL = "io.netty.channel.Channel";
  private static final String FILE_DESCRIPTOR = "io.netty.channel.unix.FileDescriptor";
  private static final String FUTURE = "io.netty.util.concurrent.Future";
  private static final String DOMAIN_SOCKET_ADDRESS = "io.netty.channel.unix.DomainSocketAddress";

  private NettyChannels() {}

  public static boolean isOpen(Object channel) throws ReflectiveOperationException {
    return (Boolean) call(channel, CHANNEL, "isOpen");
  }

  /** Registered with an event loop: the framework has taken the accepted connection over. */
  public static boolean isRegistered(Object channel) throws ReflectiveOperationException {
    return (Boolean) call(channel, CHANNEL, "isRegistered");
  }

  /** Whether a {@code io.netty.channel.unix.Socket} (a {@code FileDescriptor}) is still open. */
  public static boolean isOpenSocket(Object socket) throws ReflectiveOperationException {
    return (Boolean) call(socket, FILE_DESCRIPTOR, "isOpen");
  }

  /** Whether {@code address} is Netty's Unix-domain address (its native transports' own, not the JDK's). */
  public static boolean isDomainSocketAddress(Object address) {
    return address != null && address.getClass().getName().equals(DOMAIN_SOCKET_ADDRESS);
  }

  /** The path of a {@code io.netty.channel.unix.DomainSocketAddress}. */
  public static String domainSocketPath(Object address) throws ReflectiveOperationException {
    return (String) call(address, DOMAIN_SOCKET_ADDRESS, "path");
  }

  /**
   * Stops an epoll server channel from accepting without telling the application, as closing the JDK
   * channel under Netty's NIO transport does: first {@code channel.deregister()}, which removes the
   * descriptor from the event loop's epoll set on that event loop, after any accept loop under way,
   * then closes Netty's descriptor. The order matters: epoll watches the open file description, which
   * the supervisor's and this process's inherited descriptors keep alive, so a descriptor closed while
   * still registered would keep waking the event loop, which would then accept on a closed (or reused)
   * descriptor number. The channel itself is not closed: its close future does not fire, so an
   * application that shuts down its event loops when the server channel closes does not cut the
   * requests in flight. A later {@code channel.close()} (Vert.x's shutdown) finds the descriptor closed
   * and completes normally.
   *
   * @return false when the event loop did not deregister within {@code waitMillis}: the descriptor is
   *     then left open (and accepting) rather than closed under a live registration.
   */
  public static boolean stopAccepting(Object channel, Object socket, long waitMillis)
      throws ReflectiveOperationException {
    if (channel != null) {
      Object future = call(channel, CHANNEL, "deregister");
      Method await = method(future.getClass(), FUTURE, "awaitUninterruptibly", long.class);
      if (!(Boolean) invoke(await, future, waitMillis)) {
        return false;
      }
    }
    call(socket, FILE_DESCRIPTOR, "close");
    return true;
  }

  private static Object call(Object target, String type, String name) throws ReflectiveOperationException {
    return invoke(method(target.getClass(), type, name), target);
  }

  private static Method method(Class<?> of, String type, String name, Class<?>... parameters)
      throws ReflectiveOperationException {
    return Class.forName(type, false, of.getClassLoader()).getMethod(name, parameters);
  }

  private static Object invoke(Method method, Object target, Object... arguments) throws ReflectiveOperationException {
    try {
      return method.invoke(target, arguments);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw e;
    }
  }
}
