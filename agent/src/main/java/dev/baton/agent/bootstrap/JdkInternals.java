package dev.baton.agent.bootstrap;

import dev.baton.agent.reflect.Internal;
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
 * These run a few times per process, some on the application's start-up path, so the way to call them
 * is the one that spins the fewest classes: on JDK 17 plain reflection (native accessors for the first
 * calls, no classes spun), on 18+ (JEP 416: reflection runs on method handles, adapting each method to
 * {@code (Object, Object[])Object}) an exactly typed {@code invokeExact} for the five start-up ones
 * (measured on 25: 15 classes spun instead of 37, and 30-40% less time, for four such calls). Each is an
 * {@link Internal}: one missing from the running JDK is said once, naming the JDK and what is lost.
 */
public final class JdkInternals {

  private static final String IO_UTIL = "sun.nio.ch.IOUtil";
  private static final String NIO_SOCKET_IMPL = "sun.nio.ch.NioSocketImpl";
  private static final String NET = "sun.nio.ch.Net";
  private static final String NO_ADOPTION = "the agent cannot adopt the inherited sockets and is not installed";

  /** Whether core reflection runs on method handles (JEP 416, JDK 18). */
  private static final boolean REFLECTION_ON_METHOD_HANDLES = Runtime.version().feature() >= 18;

  // Each looked up on first use. Not up front: looking one up loads its class, and sun.nio.ch.NioSocketImpl (for
  // one) is a class the agent transforms that a server on channels never loads.
  private static final Internal DUP2 = Internal.jdk("sun.nio.ch.InheritedChannel")
      .method("dup2", int.class, int.class).lost(NO_ADOPTION);
  private static final Internal FD_VAL = Internal.jdk(IO_UTIL).method("fdVal", FileDescriptor.class).lost(NO_ADOPTION);
  private static final Internal NEW_FD = Internal.jdk(IO_UTIL).method("newFD", int.class).lost(NO_ADOPTION);
  private static final Internal CONFIGURE_BLOCKING = Internal.jdk(IO_UTIL)
      .method("configureBlocking", FileDescriptor.class, boolean.class).lost(NO_ADOPTION);
  private static final Internal LOCAL_ADDRESS = Internal.jdk(NET).method("localAddress", FileDescriptor.class)
      .lost(NO_ADOPTION);
  private static final Internal GET_INT_OPTION = Internal.jdk(NET)
      .method("getIntOption0", FileDescriptor.class, boolean.class, int.class, int.class)
      .lost("Netty's native transports bind their ports themselves (not adopted)");
  private static final Internal SOCKET_IMPL_IS_OPEN = Internal.jdk(NIO_SOCKET_IMPL).method("isOpen")
      .lost("a java.net.ServerSocket is never rebound to its inherited socket, and its connections are not waited for");
  private static final Internal SOCKET_IMPL_CLOSE = Internal.jdk(NIO_SOCKET_IMPL).method("close")
      .lost("the drain cannot close a java.net.ServerSocket's adopted listener");
  private static final Internal CHANNEL_FD = Internal.jdk("sun.nio.ch.SelChImpl").method("getFD")
      .lost("the JDK HttpServer drain cannot see requests left unread in their sockets");
  private static final Internal POLL = Internal.jdk(NET).method("poll", FileDescriptor.class, int.class, long.class)
      .lost("the JDK HttpServer drain cannot see requests left unread in their sockets");
  private static final Internal POLL_IN = Internal.jdk(NET).field("POLLIN")
      .lost("the JDK HttpServer drain cannot see requests left unread in their sockets");
  private volatile int pollIn = -1;

  /** Full-privilege lookup in {@code sun.nio.ch}, where the hook class is defined. */
  public static MethodHandles.Lookup sunNioChLookup() throws ReflectiveOperationException {
    return MethodHandles.privateLookupIn(Class.forName(IO_UTIL), MethodHandles.lookup());
  }

  /** dup2(2): makes {@code target} another descriptor of the socket {@code source} refers to. */
  public void dup2(int source, int target) throws IOException {
    if (REFLECTION_ON_METHOD_HANDLES) {
      try {
        DUP2.handle().invokeExact(source, target);
        return;
      } catch (Throwable t) {
        throw rethrown(t);
      }
    }
    invoke(DUP2, null, source, target);
  }

  public int fdVal(FileDescriptor fd) throws IOException {
    if (REFLECTION_ON_METHOD_HANDLES) {
      try {
        return (int) FD_VAL.handle().invokeExact(fd);
      } catch (Throwable t) {
        throw rethrown(t);
      }
    }
    return (Integer) invoke(FD_VAL, null, fd);
  }

  /** A {@link FileDescriptor} for an inherited descriptor number (no ownership: nothing closes it). */
  public FileDescriptor newFd(int fd) throws IOException {
    if (REFLECTION_ON_METHOD_HANDLES) {
      try {
        return (FileDescriptor) NEW_FD.handle().invokeExact(fd);
      } catch (Throwable t) {
        throw rethrown(t);
      }
    }
    return (FileDescriptor) invoke(NEW_FD, null, fd);
  }

  /** Sets or clears O_NONBLOCK, which lives on the open file description shared with other processes. */
  public void configureBlocking(FileDescriptor fd, boolean blocking) throws IOException {
    if (REFLECTION_ON_METHOD_HANDLES) {
      try {
        CONFIGURE_BLOCKING.handle().invokeExact(fd, blocking);
        return;
      } catch (Throwable t) {
        throw rethrown(t);
      }
    }
    invoke(CONFIGURE_BLOCKING, null, fd, blocking);
  }

  public InetSocketAddress localAddress(FileDescriptor fd) throws IOException {
    if (REFLECTION_ON_METHOD_HANDLES) {
      try {
        return (InetSocketAddress) LOCAL_ADDRESS.handle().invokeExact(fd);
      } catch (Throwable t) {
        throw rethrown(t);
      }
    }
    return (InetSocketAddress) invoke(LOCAL_ADDRESS, null, fd);
  }

  /**
   * Whether {@code fd} is a SOCK_STREAM socket: {@code getsockopt(SOL_SOCKET, SO_TYPE)} (1, 3 and
   * SOCK_STREAM 1 on Linux, the only system Netty's epoll transport runs on).
   */
  public boolean isStreamSocket(int fd) throws IOException {
    return (Integer) invoke(GET_INT_OPTION, null, newFd(fd), false, 1, 3) == 1;
  }

  /** Whether a {@code sun.nio.ch.NioSocketImpl} (a {@code java.net.Socket}'s implementation) is open. */
  public boolean isOpenSocketImpl(Object impl) throws IOException {
    return (Boolean) invoke(SOCKET_IMPL_IS_OPEN, impl);
  }

  /** Closes a {@code java.net.ServerSocket}'s implementation: a thread blocked in accept gets "Socket closed". */
  public void closeSocketImpl(Object impl) throws IOException {
    invoke(SOCKET_IMPL_CLOSE, impl);
  }

  /** Whether this JDK has what {@link #hasUnreadInput} needs (if not, said once). */
  public boolean canPollForInput() {
    return CHANNEL_FD.isPresent(null) && POLL.isPresent(null) && POLL_IN.isPresent(null);
  }

  /**
   * Whether input waits unread on a {@code SocketChannel}: bytes, or the peer's end of stream. poll(2)
   * with no timeout, so nothing is read or waited for; a closed channel has none.
   */
  public boolean hasUnreadInput(Object socketChannel) throws IOException {
    FileDescriptor fd = (FileDescriptor) invoke(CHANNEL_FD, socketChannel);
    return (Integer) invoke(POLL, null, fd, pollIn(), 0L) != 0;
  }

  private int pollIn() {
    int value = pollIn;
    if (value < 0) {
      try {
        pollIn = value = (Short) POLL_IN.getStatic(null);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    return value;
  }

  /** What an {@code invokeExact} threw, as {@link #invoke} reports a reflective call's. */
  private static IOException rethrown(Throwable thrown) {
    if (thrown instanceof IOException io) {
      return io;
    }
    if (thrown instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (thrown instanceof Error error) {
      throw error;
    }
    return new IOException(thrown);
  }

  private static Object invoke(Internal internal, Object target, Object... arguments) throws IOException {
    Method method = (Method) internal.resolve(null);
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
