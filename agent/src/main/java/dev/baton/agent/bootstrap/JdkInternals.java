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

  private static final String IO_UTIL = "sun.nio.ch.IOUtil";
  private static final String NIO_SOCKET_IMPL = "sun.nio.ch.NioSocketImpl";

  // Resolved on first use, not up front: resolving loads the class, and sun.nio.ch.NioSocketImpl (for
  // one) is a class the agent transforms that a server on channels never loads. Races only resolve twice.
  private volatile Method dup2;
  private volatile Method fdVal;
  private volatile Method newFd;
  private volatile Method configureBlocking;
  private volatile Method localAddress;
  private volatile Method getIntOption;
  private volatile Method socketImplIsOpen;
  private volatile Method socketImplClose;
  private volatile Method channelFd;
  private volatile Method poll;
  private volatile int pollIn = -1;

  /** Full-privilege lookup in {@code sun.nio.ch}, where the hook class is defined. */
  public static MethodHandles.Lookup sunNioChLookup() throws ReflectiveOperationException {
    return MethodHandles.privateLookupIn(Class.forName("sun.nio.ch.IOUtil"), MethodHandles.lookup());
  }

  /** dup2(2): makes {@code target} another descriptor of the socket {@code source} refers to. */
  public void dup2(int source, int target) throws IOException {
    invoke(dup2(), null, source, target);
  }

  public int fdVal(FileDescriptor fd) throws IOException {
    return (Integer) invoke(fdVal(), null, fd);
  }

  /** A {@link FileDescriptor} for an inherited descriptor number (no ownership: nothing closes it). */
  public FileDescriptor newFd(int fd) throws IOException {
    return (FileDescriptor) invoke(newFd(), null, fd);
  }

  /** Sets or clears O_NONBLOCK, which lives on the open file description shared with other processes. */
  public void configureBlocking(FileDescriptor fd, boolean blocking) throws IOException {
    invoke(configureBlocking(), null, fd, blocking);
  }

  public InetSocketAddress localAddress(FileDescriptor fd) throws IOException {
    return (InetSocketAddress) invoke(localAddress(), null, fd);
  }

  /**
   * Whether {@code fd} is a SOCK_STREAM socket: {@code getsockopt(SOL_SOCKET, SO_TYPE)} (1, 3 and
   * SOCK_STREAM 1 on Linux, the only system Netty's epoll transport runs on).
   */
  public boolean isStreamSocket(int fd) throws IOException {
    return (Integer) invoke(getIntOption(), null, newFd(fd), false, 1, 3) == 1;
  }

  /** Whether a {@code sun.nio.ch.NioSocketImpl} (a {@code java.net.Socket}'s implementation) is open. */
  public boolean isOpenSocketImpl(Object impl) throws IOException {
    return (Boolean) invoke(socketImplIsOpen(), impl);
  }

  /** Closes a {@code java.net.ServerSocket}'s implementation: a thread blocked in accept gets "Socket closed". */
  public void closeSocketImpl(Object impl) throws IOException {
    invoke(socketImplClose(), impl);
  }

  /**
   * Whether input waits unread on a {@code SocketChannel}: bytes, or the peer's end of stream. poll(2)
   * with no timeout, so nothing is read or waited for; a closed channel has none.
   */
  public boolean hasUnreadInput(Object socketChannel) throws IOException {
    FileDescriptor fd = (FileDescriptor) invoke(channelFd(), socketChannel);
    return (Integer) invoke(poll(), null, fd, pollIn(), 0L) != 0;
  }

  private Method dup2() {
    Method method = dup2;
    return method != null ? method : (dup2 = resolve("sun.nio.ch.InheritedChannel", "dup2", int.class, int.class));
  }

  private Method fdVal() {
    Method method = fdVal;
    return method != null ? method : (fdVal = resolve(IO_UTIL, "fdVal", FileDescriptor.class));
  }

  private Method newFd() {
    Method method = newFd;
    return method != null ? method : (newFd = resolve(IO_UTIL, "newFD", int.class));
  }

  private Method configureBlocking() {
    Method method = configureBlocking;
    return method != null ? method : (configureBlocking = resolve(IO_UTIL, "configureBlocking", FileDescriptor.class, boolean.class));
  }

  private Method localAddress() {
    Method method = localAddress;
    return method != null ? method : (localAddress = resolve("sun.nio.ch.Net", "localAddress", FileDescriptor.class));
  }

  private Method getIntOption() {
    Method method = getIntOption;
    return method != null ? method
        : (getIntOption = resolve("sun.nio.ch.Net", "getIntOption0", FileDescriptor.class, boolean.class, int.class, int.class));
  }

  private Method socketImplIsOpen() {
    Method method = socketImplIsOpen;
    return method != null ? method : (socketImplIsOpen = resolve(NIO_SOCKET_IMPL, "isOpen"));
  }

  private Method socketImplClose() {
    Method method = socketImplClose;
    return method != null ? method : (socketImplClose = resolve(NIO_SOCKET_IMPL, "close"));
  }

  private static Method resolve(String className, String name, Class<?>... parameters) {
    try {
      Method method = Class.forName(className).getDeclaredMethod(name, parameters);
      method.setAccessible(true);
      return method;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(className + "." + name + " not found in this JDK", e);
    }
  }

  private Method channelFd() {
    Method method = channelFd;
    return method != null ? method : (channelFd = resolve("sun.nio.ch.SelChImpl", "getFD"));
  }

  private Method poll() {
    Method method = poll;
    return method != null ? method : (poll = resolve("sun.nio.ch.Net", "poll", FileDescriptor.class, int.class, long.class));
  }

  private int pollIn() {
    int value = pollIn;
    if (value < 0) {
      try {
        pollIn = value = Class.forName("sun.nio.ch.Net").getField("POLLIN").getShort(null);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("sun.nio.ch.Net.POLLIN not found in this JDK", e);
      }
    }
    return value;
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
