package dev.baton.agent.bootstrap;

import java.io.FileDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
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
 * (measured on 25: 15 classes spun instead of 37, and 30-40% less time, for four such calls).
 */
public final class JdkInternals {

  private static final String IO_UTIL = "sun.nio.ch.IOUtil";
  private static final String NIO_SOCKET_IMPL = "sun.nio.ch.NioSocketImpl";
  private static final String NET = "sun.nio.ch.Net";

  /** Whether core reflection runs on method handles (JEP 416, JDK 18). */
  private static final boolean REFLECTION_ON_METHOD_HANDLES = Runtime.version().feature() >= 18;

  // Each looked up on first use (see LazyMethod).
  private final LazyMethod dup2 = new LazyMethod("sun.nio.ch.InheritedChannel", "dup2", int.class, int.class);
  private final LazyMethod fdVal = new LazyMethod(IO_UTIL, "fdVal", FileDescriptor.class);
  private final LazyMethod newFd = new LazyMethod(IO_UTIL, "newFD", int.class);
  private final LazyMethod configureBlocking =
      new LazyMethod(IO_UTIL, "configureBlocking", FileDescriptor.class, boolean.class);
  private final LazyMethod localAddress = new LazyMethod(NET, "localAddress", FileDescriptor.class);
  private final LazyMethod getIntOption =
      new LazyMethod(NET, "getIntOption0", FileDescriptor.class, boolean.class, int.class, int.class);
  private final LazyMethod socketImplIsOpen = new LazyMethod(NIO_SOCKET_IMPL, "isOpen");
  private final LazyMethod socketImplClose = new LazyMethod(NIO_SOCKET_IMPL, "close");
  private final LazyMethod channelFd = new LazyMethod("sun.nio.ch.SelChImpl", "getFD");
  private final LazyMethod poll = new LazyMethod(NET, "poll", FileDescriptor.class, int.class, long.class);
  private volatile int pollIn = -1;

  /** Full-privilege lookup in {@code sun.nio.ch}, where the hook class is defined. */
  public static MethodHandles.Lookup sunNioChLookup() throws ReflectiveOperationException {
    return MethodHandles.privateLookupIn(Class.forName(IO_UTIL), MethodHandles.lookup());
  }

  /** dup2(2): makes {@code target} another descriptor of the socket {@code source} refers to. */
  public void dup2(int source, int target) throws IOException {
    if (REFLECTION_ON_METHOD_HANDLES) {
      try {
        dup2.handle().invokeExact(source, target);
        return;
      } catch (Throwable t) {
        throw rethrown(t);
      }
    }
    invoke(dup2.get(), null, source, target);
  }

  public int fdVal(FileDescriptor fd) throws IOException {
    if (REFLECTION_ON_METHOD_HANDLES) {
      try {
        return (int) fdVal.handle().invokeExact(fd);
      } catch (Throwable t) {
        throw rethrown(t);
      }
    }
    return (Integer) invoke(fdVal.get(), null, fd);
  }

  /** A {@link FileDescriptor} for an inherited descriptor number (no ownership: nothing closes it). */
  public FileDescriptor newFd(int fd) throws IOException {
    if (REFLECTION_ON_METHOD_HANDLES) {
      try {
        return (FileDescriptor) newFd.handle().invokeExact(fd);
      } catch (Throwable t) {
        throw rethrown(t);
      }
    }
    return (FileDescriptor) invoke(newFd.get(), null, fd);
  }

  /** Sets or clears O_NONBLOCK, which lives on the open file description shared with other processes. */
  public void configureBlocking(FileDescriptor fd, boolean blocking) throws IOException {
    if (REFLECTION_ON_METHOD_HANDLES) {
      try {
        configureBlocking.handle().invokeExact(fd, blocking);
        return;
      } catch (Throwable t) {
        throw rethrown(t);
      }
    }
    invoke(configureBlocking.get(), null, fd, blocking);
  }

  public InetSocketAddress localAddress(FileDescriptor fd) throws IOException {
    if (REFLECTION_ON_METHOD_HANDLES) {
      try {
        return (InetSocketAddress) localAddress.handle().invokeExact(fd);
      } catch (Throwable t) {
        throw rethrown(t);
      }
    }
    return (InetSocketAddress) invoke(localAddress.get(), null, fd);
  }

  /**
   * Whether {@code fd} is a SOCK_STREAM socket: {@code getsockopt(SOL_SOCKET, SO_TYPE)} (1, 3 and
   * SOCK_STREAM 1 on Linux, the only system Netty's epoll transport runs on).
   */
  public boolean isStreamSocket(int fd) throws IOException {
    return (Integer) invoke(getIntOption.get(), null, newFd(fd), false, 1, 3) == 1;
  }

  /** Whether a {@code sun.nio.ch.NioSocketImpl} (a {@code java.net.Socket}'s implementation) is open. */
  public boolean isOpenSocketImpl(Object impl) throws IOException {
    return (Boolean) invoke(socketImplIsOpen.get(), impl);
  }

  /** Closes a {@code java.net.ServerSocket}'s implementation: a thread blocked in accept gets "Socket closed". */
  public void closeSocketImpl(Object impl) throws IOException {
    invoke(socketImplClose.get(), impl);
  }

  /**
   * Whether input waits unread on a {@code SocketChannel}: bytes, or the peer's end of stream. poll(2)
   * with no timeout, so nothing is read or waited for; a closed channel has none.
   */
  public boolean hasUnreadInput(Object socketChannel) throws IOException {
    FileDescriptor fd = (FileDescriptor) invoke(channelFd.get(), socketChannel);
    return (Integer) invoke(poll.get(), null, fd, pollIn(), 0L) != 0;
  }

  /**
   * A private JDK method, looked up (and made accessible) on first use. Not up front: looking it up loads
   * its class, and {@code sun.nio.ch.NioSocketImpl} (for one) is a class the agent transforms that a
   * server on channels never loads. Races only look it up twice.
   */
  private static final class LazyMethod {
    private final String className;
    private final String name;
    private final Class<?>[] parameters;
    private volatile Method method;
    private volatile MethodHandle handle;

    LazyMethod(String className, String name, Class<?>... parameters) {
      this.className = className;
      this.name = name;
      this.parameters = parameters;
    }

    Method get() {
      Method resolved = method;
      if (resolved == null) {
        try {
          resolved = Class.forName(className).getDeclaredMethod(name, parameters);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(className + "." + name + " not found in this JDK", e);
        }
        resolved.setAccessible(true);
        method = resolved;
      }
      return resolved;
    }

    /** The method as a direct handle, typed exactly as declared (static methods only). */
    MethodHandle handle() {
      MethodHandle resolved = handle;
      if (resolved == null) {
        try {
          resolved = MethodHandles.lookup().unreflect(get());
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(className + "." + name + " not accessible", e);
        }
        handle = resolved;
      }
      return resolved;
    }
  }

  private int pollIn() {
    int value = pollIn;
    if (value < 0) {
      try {
        pollIn = value = Class.forName(NET).getField("POLLIN").getShort(null);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("sun.nio.ch.Net.POLLIN not found in this JDK", e);
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
