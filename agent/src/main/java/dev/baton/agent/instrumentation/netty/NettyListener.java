package dev.baton.agent.instrumentation.netty;

import dev.baton.agent.adopt.ForeignListener;
import dev.baton.agent.reflect.Internal;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * An adopted listener of one of Netty's native transports (epoll, io_uring), which bind through JNI on their own
 * int descriptor: its {@code io.netty.channel.unix.Socket} (the transport's {@code LinuxSocket}), and its server
 * channel once that starts reading. The agent calls Netty by reflection (it does not depend on Netty), on
 * Netty's public types through the object's own class loader, so Netty 4.1 and 4.2 (same names) both work.
 */
final class NettyListener implements ForeignListener {

  private static final String NETTY = "Netty";
  private static final String CHANNEL = "io.netty.channel.Channel";
  private static final String FILE_DESCRIPTOR = "io.netty.channel.unix.FileDescriptor";
  /** The socket class of each native transport the agent adopts into. */
  private static final String EPOLL_SOCKET = "io.netty.channel.epoll.LinuxSocket";
  private static final String IO_URING_SOCKET = "io.netty.channel.uring.LinuxSocket";
  /** {@code AbstractIoUringChannel.READ_SCHEDULED} (Netty 4.2.9): an accept is submitted and not completed. */
  private static final int IO_URING_READ_SCHEDULED = 1 << 5;
  private static final String DRAIN_LOST = "the drain cannot stop Netty's native listener; it stays open and"
      + " accepting until the process exits";
  private static final String CONNECTIONS_LOST = "the drain cannot watch Netty's native connections";

  private static final Internal CHANNEL_IS_OPEN = Internal.of(NETTY, CHANNEL).method("isOpen").lost(CONNECTIONS_LOST);
  private static final Internal CHANNEL_IS_REGISTERED = Internal.of(NETTY, CHANNEL).method("isRegistered")
      .lost(CONNECTIONS_LOST);
  private static final Internal CHANNEL_DEREGISTER = Internal.of(NETTY, CHANNEL).method("deregister").lost(DRAIN_LOST);
  private static final Internal CHANNEL_CONFIG = Internal.of(NETTY, CHANNEL).method("config").lost(DRAIN_LOST);
  private static final Internal CHANNEL_EVENT_LOOP = Internal.of(NETTY, CHANNEL).method("eventLoop").lost(DRAIN_LOST);
  private static final Internal SET_AUTO_READ = Internal.of(NETTY, "io.netty.channel.ChannelConfig")
      .method("setAutoRead", boolean.class).lost(DRAIN_LOST);
  private static final Internal AWAIT = Internal.of(NETTY, "io.netty.util.concurrent.Future")
      .method("awaitUninterruptibly", long.class).lost(DRAIN_LOST);
  private static final Internal SOCKET_IS_OPEN = Internal.of(NETTY, FILE_DESCRIPTOR).method("isOpen")
      .lost("a Netty native listener closed by the application is not adopted again when it binds again");
  private static final Internal SOCKET_CLOSE = Internal.of(NETTY, FILE_DESCRIPTOR).method("close").lost(DRAIN_LOST);
  private static final Internal IO_STATE = Internal.of(NETTY, "io.netty.channel.uring.AbstractIoUringChannel")
      .field("ioState").lost(DRAIN_LOST);
  private static final Internal DOMAIN_SOCKET_PATH = Internal.of(NETTY, "io.netty.channel.unix.DomainSocketAddress")
      .method("path").lost("Netty's native Unix-domain listeners bind their paths themselves (not adopted)");

  private final Object socket;
  private final boolean ioUring;
  /** The server channel, known once it starts reading (accepting); null before. */
  private volatile Object channel;

  private NettyListener(Object socket, boolean ioUring) {
    this.socket = socket;
    this.ioUring = ioUring;
  }

  /** The listener for a {@code LinuxSocket} of epoll or io_uring; null for another transport's socket. */
  static NettyListener of(Object socket) {
    String type = socket.getClass().getName();
    return type.equals(EPOLL_SOCKET) || type.equals(IO_URING_SOCKET)
        ? new NettyListener(socket, type.equals(IO_URING_SOCKET))
        : null;
  }

  /**
   * The address a Netty bind asks for, as the JDK's: TCP as is, Netty's {@code DomainSocketAddress} (its native
   * transports' own) as a {@link UnixDomainSocketAddress}; null for anything else.
   */
  static SocketAddress jdkAddress(SocketAddress requested) throws ReflectiveOperationException {
    if (requested instanceof InetSocketAddress) {
      return requested;
    }
    boolean domainSocket = requested != null
        && requested.getClass().getName().equals(DOMAIN_SOCKET_PATH.className());
    return domainSocket ? UnixDomainSocketAddress.of((String) DOMAIN_SOCKET_PATH.get(requested)) : null;
  }

  /** Epoll registers descriptors with its event loop (see {@code EpollNativeInstrumentation}); io_uring does not. */
  boolean isEpoll() {
    return !ioUring;
  }

  /** The server channel started reading: known for the drain. */
  void reading(Object serverChannel) {
    channel = serverChannel;
  }

  @Override
  public boolean isOpen() throws ReflectiveOperationException {
    return (Boolean) SOCKET_IS_OPEN.invoke(socket);
  }

  /**
   * Stops the epoll server channel from accepting without telling the application, as closing the JDK
   * channel under Netty's NIO transport does: first {@code channel.deregister()}, which removes the
   * descriptor from the event loop's epoll set on that event loop, after any accept loop under way,
   * then closes Netty's descriptor. The order matters: epoll watches the open file description, which
   * the supervisor's and this process's inherited descriptors keep alive, so a descriptor closed while
   * still registered would keep waking the event loop, which would then accept on a closed (or reused)
   * descriptor number. The channel itself is not closed: its close future does not fire, so an
   * application that shuts down its event loops when the server channel closes does not cut the
   * requests in flight. A later {@code channel.close()} (Vert.x's shutdown) finds the descriptor closed
   * and completes normally. An io_uring descriptor is left open (see {@link #stopAcceptingIoUring}).
   */
  @Override
  public boolean stopAccepting(long waitMillis) throws ReflectiveOperationException {
    Object serverChannel = channel;
    if (ioUring) {
      return serverChannel == null || stopAcceptingIoUring(serverChannel, waitMillis); // never accepted: nothing to stop
    }
    if (serverChannel != null) {
      Object future = CHANNEL_DEREGISTER.invoke(serverChannel);
      if (!(Boolean) AWAIT.invoke(future, waitMillis)) {
        return false;
      }
    }
    SOCKET_CLOSE.invoke(socket);
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
   * closed ({@link #keepsDescriptorOpen}).
   */
  private static boolean stopAcceptingIoUring(Object channel, long waitMillis) throws ReflectiveOperationException {
    SET_AUTO_READ.invoke(CHANNEL_CONFIG.invoke(channel), false);
    ExecutorService eventLoop = (ExecutorService) CHANNEL_EVENT_LOOP.invoke(channel);
    IO_STATE.resolve(channel.getClass().getClassLoader()); // on this thread: a missing field is said here
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
    try {
      // Queued behind the task that cancels the accept, so the first read already sees the cancel submitted.
      while ((eventLoop.submit(new ReadIoState(channel)).get(waitMillis, TimeUnit.MILLISECONDS)
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

  /**
   * True for io_uring: closing the descriptor under Netty marks Netty's {@code FileDescriptor} closed, and
   * io_uring's {@code doClose()} then submits no {@code IORING_OP_CLOSE}, whose completion is what completes the
   * close future the application gets from {@code channel.close()}: an old worker whose shutdown hook waited on
   * it never exited. The agent points it at {@code /dev/null} instead, which Netty's own close later closes.
   */
  @Override
  public boolean keepsDescriptorOpen() {
    return ioUring;
  }

  @Override
  public boolean isOpen(Object connection) throws ReflectiveOperationException {
    return (Boolean) CHANNEL_IS_OPEN.invoke(connection);
  }

  /** Registered with an event loop: Netty (and the framework on top) has taken the accepted connection over. */
  @Override
  public boolean isHandedOver(Object connection) throws ReflectiveOperationException {
    return (Boolean) CHANNEL_IS_REGISTERED.invoke(connection);
  }

  /** Reads the io_uring channel's state on the event loop that owns it (a class, not a lambda: no class spinning). */
  private record ReadIoState(Object channel) implements Callable<Byte> {
    @Override
    public Byte call() throws ReflectiveOperationException {
      return (Byte) IO_STATE.get(channel);
    }
  }
}
