package dev.baton.agent.instrumentation.netty;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

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
  /** The socket class of each native transport the agent adopts into. */
  static final String EPOLL_SOCKET = "io.netty.channel.epoll.LinuxSocket";
  static final String IO_URING_SOCKET = "io.netty.channel.uring.LinuxSocket";
  private static final String IO_URING_CHANNEL = "io.netty.channel.uring.AbstractIoUringChannel";
  /** {@code AbstractIoUringChannel.READ_SCHEDULED} (Netty 4.2.9): an accept is submitted and not completed. */
  private static final int IO_URING_READ_SCHEDULED = 1 << 5;

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

  /** Whether {@code socket} is the {@code LinuxSocket} of Netty's io_uring transport. */
  public static boolean isIoUringSocket(Object socket) {
    return socket.getClass().getName().equals(IO_URING_SOCKET);
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
   * and completes normally. An io_uring descriptor is left open: the caller replaces it (see
   * {@link #stopAcceptingIoUring}).
   *
   * @return false when the event loop did not deregister within {@code waitMillis}: the descriptor is
   *     then left open (and accepting) rather than closed under a live registration.
   */
  public static boolean stopAccepting(Object channel, Object socket, long waitMillis)
      throws ReflectiveOperationException {
    if (isIoUringSocket(socket)) {
      return channel == null || stopAcceptingIoUring(channel, waitMillis); // never accepted: nothing to stop
    }
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

  /**
   * The same for an io_uring server channel, where {@code deregister()} is not enough: it cancels the
   * accept Netty submitted, but the cancelled accept's completion submits a new one while the channel
   * still wants to read. Turning {@code autoRead} off is Netty's own way to stop accepting (on its event
   * loop it clears the wish to read and cancels the outstanding accept). Returns once that accept has
   * completed (its {@code READ_SCHEDULED} state bit, read on the event loop, is clear): an accept in flight
   * holds the shared listening socket itself, not the descriptor number, so it could still take a
   * connection, and that connection is then served and waited for like any other. The descriptor is not
   * closed here but replaced by the caller ({@code SocketAdopter.detachIoUringDescriptor}): io_uring's own
   * close must still find it open.
   */
  private static boolean stopAcceptingIoUring(Object channel, long waitMillis)
      throws ReflectiveOperationException {
    Object config = call(channel, CHANNEL, "config");
    invoke(method(config.getClass(), "io.netty.channel.ChannelConfig", "setAutoRead", boolean.class), config, false);
    ExecutorService eventLoop = (ExecutorService) call(channel, CHANNEL, "eventLoop");
    Field ioState = Class.forName(IO_URING_CHANNEL, false, channel.getClass().getClassLoader())
        .getDeclaredField("ioState");
    ioState.setAccessible(true);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
    try {
      // Queued behind the task that cancels the accept, so the first read already sees the cancel submitted.
      while ((eventLoop.submit(new ReadByte(ioState, channel)).get(waitMillis, TimeUnit.MILLISECONDS)
          & IO_URING_READ_SCHEDULED) != 0) {
        if (System.nanoTime() - deadline > 0) {
          return false;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
    } catch (ExecutionException | TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return true;
  }

  /** Reads a {@code byte} field on the event loop that owns it (a class, not a lambda: no class spinning). */
  private record ReadByte(Field field, Object target) implements Callable<Byte> {
    @Override
    public Byte call() throws IllegalAccessException {
      return field.getByte(target);
    }
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
