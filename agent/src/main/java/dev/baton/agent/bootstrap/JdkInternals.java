package dev.baton.agent.bootstrap;

import java.io.FileDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;

/**
 * The few private {@code sun.nio.ch} operations the agent needs. They exist with the same signatures on
 * JDK 17 and 25; {@code java.base} opens {@code sun.nio.ch} to the agent through
 * {@code Instrumentation.redefineModule} before this class is used, so users add no {@code --add-opens}.
 * Plain reflection, not method handles: these run a few times per process, and method handles would
 * spin classes on the application's start-up path.
 */
public final class JdkInternals {

  private final Method dup2;
  private final Method fdVal;
  private final Method newFd;
  private final Method configureBlocking;
  private final Method localAddress;
  private final Method socketImplIsOpen;
  private final Method socketImplClose;
  private final Method channelFd;
  private final Method poll;
  private final int pollIn;

  public JdkInternals() throws ReflectiveOperationException {
    Class<?> ioUtil = Class.forName("sun.nio.ch.IOUtil");
    dup2 = open(Class.forName("sun.nio.ch.InheritedChannel").getDeclaredMethod("dup2", int.class, int.class));
    fdVal = open(ioUtil.getDeclaredMethod("fdVal", FileDescriptor.class));
    newFd = open(ioUtil.getDeclaredMethod("newFD", int.class));
    configureBlocking = open(ioUtil.getDeclaredMethod("configureBlocking", FileDescriptor.class, boolean.class));
    localAddress = open(Class.forName("sun.nio.ch.Net").getDeclaredMethod("localAddress", FileDescriptor.class));
    Class<?> nioSocketImpl = Class.forName("sun.nio.ch.NioSocketImpl");
    socketImplIsOpen = open(nioSocketImpl.getDeclaredMethod("isOpen"));
    socketImplClose = open(nioSocketImpl.getDeclaredMethod("close"));
    Class<?> net = Class.forName("sun.nio.ch.Net");
    channelFd = open(Class.forName("sun.nio.ch.SelChImpl").getDeclaredMethod("getFD"));
    poll = open(net.getDeclaredMethod("poll", FileDescriptor.class, int.class, long.class));
    pollIn = net.getField("POLLIN").getShort(null);
  }

  /** Full-privilege lookup in {@code sun.nio.ch}, where the hook class is defined. */
  public static MethodHandles.Lookup sunNioChLookup() throws ReflectiveOperationException {
    return MethodHandles.privateLookupIn(Class.forName("sun.nio.ch.IOUtil"), MethodHandles.lookup());
  }

  /** dup2(2): makes {@code target} another descriptor of the socket {@code source} refers to. */
  public void dup2(int source, int target) throws IOException {
    invoke(dup2, null, source, target);
  }

  public int fdVal(FileDescriptor fd) throws IOException {
    return (Integer) invoke(fdVal, null, fd);
  }

  /** A {@link FileDescriptor} for an inherited descriptor number (no ownership: nothing closes it). */
  public FileDescriptor newFd(int fd) throws IOException {
    return (FileDescriptor) invoke(newFd, null, fd);
  }

  /** Sets or clears O_NONBLOCK, which lives on the open file description shared with other processes. */
  public void configureBlocking(FileDescriptor fd, boolean blocking) throws IOException {
    invoke(configureBlocking, null, fd, blocking);
  }

  public InetSocketAddress localAddress(FileDescriptor fd) throws IOException {
    return (InetSocketAddress) invoke(localAddress, null, fd);
  }

  /** Whether a {@code sun.nio.ch.NioSocketImpl} (a {@code java.net.Socket}'s implementation) is open. */
  public boolean isOpenSocketImpl(Object impl) throws IOException {
    return (Boolean) invoke(socketImplIsOpen, impl);
  }

  /** Closes a {@code java.net.ServerSocket}'s implementation: a thread blocked in accept gets "Socket closed". */
  public void closeSocketImpl(Object impl) throws IOException {
    invoke(socketImplClose, impl);
  }

  /**
   * Whether input waits unread on a {@code SocketChannel}: bytes, or the peer's end of stream. poll(2)
   * with no timeout, so nothing is read or waited for; a closed channel has none.
   */
  public boolean hasUnreadInput(Object socketChannel) throws IOException {
    FileDescriptor fd = (FileDescriptor) invoke(channelFd, socketChannel);
    return (Integer) invoke(poll, null, fd, pollIn, 0L) != 0;
  }

  private static Method open(Method method) {
    method.setAccessible(true);
    return method;
  }

  private static Object invoke(Method method, Object target, Object... arguments) throws IOException {
    try {
      return method.invoke(target, arguments);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new UncheckedIOException(new IOException(cause));
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }
}
