package dev.baton.agent.adopt;

import dev.baton.agent.Log;
import dev.baton.agent.bootstrap.JdkInternals;
import dev.baton.agent.config.ListenerSpec;
import dev.baton.agent.drain.ConnectionTracker;
import dev.baton.agent.notify.Notifier;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.Channel;
import java.nio.channels.SelectableChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns the application's binds of listed ports into adoptions of the inherited sockets.
 *
 * <p>Adoption replaces the application's fresh, unbound socket with the inherited one through
 * {@code dup2(inherited, own)}: the application's {@code FileDescriptor} object, channel and socket
 * objects stay the same, so everything after the bind (local address, options, accept, close) works on
 * the supervisor's socket as if the application had bound it. The inherited descriptor itself stays
 * open: closing the application's listener then stops accepting in this process only, and the queued
 * connections wait in the kernel for the next generation.
 *
 * <p>Netty's native epoll and io_uring transports bind through JNI ({@code io.netty.channel.unix.Socket}),
 * never through the JDK; there the int descriptor Netty created is the one {@code dup2} replaces, with the
 * same effect.
 */
public final class SocketAdopter {

  /** How long a drain waits for a Netty epoll or io_uring event loop to stop accepting on an adopted listener. */
  private static final long NATIVE_STOP_WAIT_MILLIS = 5_000;

  private final JdkInternals jdk;
  private final List<InheritedListener> listeners;
  private final Notifier notifier;
  private final ConnectionTracker connections;
  private final boolean anyInet4;
  private volatile boolean allAccepting;
  private final Set<Thread> acceptingThreads = ConcurrentHashMap.newKeySet();
  /** Netty descriptors adopted after their epoll registration; see {@code EpollNativeInstrumentation}. */
  private final Set<Integer> lostEpollRegistrations = ConcurrentHashMap.newKeySet();

  public SocketAdopter(
      JdkInternals jdk, List<ListenerSpec> specs, Notifier notifier, ConnectionTracker connections)
      throws IOException {
    this.jdk = jdk;
    this.notifier = notifier;
    this.connections = connections;
    List<InheritedListener> found = new ArrayList<>();
    for (ListenerSpec spec : specs) {
      FileDescriptor fd = jdk.newFd(spec.fd());
      InetSocketAddress bound = null;
      if (!spec.isUnix()) {
        try {
          bound = jdk.localAddress(fd);
        } catch (Exception e) {
          Log.warn("fd " + spec.fd() + " for " + spec.spec() + " is not a bound TCP socket (" + e
              + "); that port will be bound normally");
          continue;
        }
      }
      found.add(new InheritedListener(spec, fd, bound));
    }
    this.listeners = List.copyOf(found);
    boolean inet4 = false;
    for (InheritedListener listener : listeners) {
      inet4 |= listener.isInet4();
    }
    this.anyInet4 = inet4;
    this.allAccepting = listeners.isEmpty();
  }

  /** Whether an AF_INET socket was inherited (Perl's start_server makes one for a bare port). */
  public boolean inheritsInet4() {
    return anyInet4;
  }

  /** True once every inherited socket is adopted and accepted on: the worker is ready. */
  public boolean allAccepting() {
    return allAccepting;
  }

  /**
   * Hook for {@code ServerSocketChannelImpl.netBind/unixBind} and
   * {@code AsynchronousServerSocketChannelImpl.bind}: the adopted local address, or null.
   */
  public SocketAddress adoptChannel(Object channel, FileDescriptor fd, SocketAddress requested)
      throws IOException {
    InheritedListener listener = match(requested);
    if (listener == null) {
      return null;
    }
    adopt(listener, channel, fd, jdk.fdVal(fd));
    boolean nonBlocking = channel instanceof SelectableChannel selectable
        ? !selectable.isBlocking()
        : channel instanceof AsynchronousServerSocketChannel;
    if (nonBlocking) {
      // The channel believes it is non-blocking (Netty, JDK HttpServer configure before binding; an
      // asynchronous channel always is):
      // an event loop must never block in accept. The opposite is left alone on purpose: clearing
      // O_NONBLOCK on the shared open file description would make another generation's event loop
      // block, and the JDK's blocking accept copes with EAGAIN by parking.
      jdk.configureBlocking(fd, false);
    }
    return listener.spec.isUnix() ? requested : jdk.localAddress(fd);
  }

  /** Hook for {@code NioSocketImpl.bind} ({@code java.net.ServerSocket}): the local port, or -1. */
  public int adoptSocketImpl(Object impl, FileDescriptor fd, InetAddress host, int port) throws IOException {
    InheritedListener listener = match(new InetSocketAddress(host, port));
    if (listener == null) {
      return -1;
    }
    adopt(listener, impl, fd, jdk.fdVal(fd));
    return jdk.localAddress(fd).getPort();
  }

  /**
   * Hook for {@code io.netty.channel.unix.Socket.bind} (Netty's native transports): true when the address
   * was adopted into Netty's descriptor {@code fd} and the bind is to be skipped. Epoll and io_uring sockets,
   * TCP or a Unix-domain {@code DomainSocketAddress}. Only stream sockets: a datagram socket may bind the port of a TCP listener (HTTP/3 beside
   * HTTP/1.1 and 2). A TCP client binding a listed port before connecting would be adopted too; no client
   * does that to a port a server listens on. The kqueue transport does not run on Linux.
   */
  public boolean adoptNettySocket(Object socket, int fd, SocketAddress requested) throws IOException {
    String type = socket.getClass().getName();
    boolean epoll = type.equals(NettyChannels.EPOLL_SOCKET);
    boolean adoptable = (epoll || type.equals(NettyChannels.IO_URING_SOCKET))
        && (requested instanceof InetSocketAddress || NettyChannels.isDomainSocketAddress(requested));
    if (!adoptable || !jdk.isStreamSocket(fd)) {
      return false;
    }
    InheritedListener listener = match(requested);
    if (listener == null) {
      return false;
    }
    listener.nettyChannel = null; // known once the new server channel starts reading
    adopt(listener, socket, null, fd);
    if (epoll) {
      // Netty registered its fresh socket with epoll before binding; the dup2 closed that socket and so
      // ended the registration: the next epoll call on fd (on this same event loop) must add it again.
      // (io_uring has no registration per descriptor: each accept it submits names the descriptor.)
      lostEpollRegistrations.add(fd);
    }
    // Netty creates its sockets non-blocking (both transports), and an epoll event loop must never block
    // in accept (a generation that loses the race for a connection to another would): the shared open
    // file description becomes non-blocking too (never cleared, see adoptChannel).
    jdk.configureBlocking(jdk.newFd(fd), false);
    return true;
  }

  /** Hook for Netty's {@code Native.epollCtl*}: true, once, when {@code fd}'s epoll registration was lost. */
  public boolean takeLostEpollRegistration(int fd) {
    return !lostEpollRegistrations.isEmpty() && lostEpollRegistrations.remove(fd);
  }

  /**
   * Hook for {@code io.netty.channel.unix.Socket.listen}: an adopted socket already listens. Also for
   * {@code EpollServerDomainSocketChannel.doClose} and the close listener of
   * {@code IoUringServerDomainSocketChannel}: the socket file of an adopted path is the supervisor's, shared
   * with the next generation, and Netty's close would delete it.
   */
  public boolean isAdoptedNettySocket(Object socket) {
    return ownedBy(socket) != null;
  }

  /**
   * Hook for {@code AbstractEpollChannel.doBeginRead} and {@code AbstractIoUringChannel.doBeginRead} (every
   * channel of those transports, connections included): an adopted server channel that starts reading is
   * accepting, as {@code OP_ACCEPT} is for NIO. No thread is remembered for {@link #awaitAcceptsReturned}:
   * stopping a native listener waits for its event loop.
   */
  public void nativeReading(Object channel, Object socket) {
    InheritedListener listener = ownedBy(socket);
    if (listener != null) {
      listener.nettyChannel = channel;
      markAccepting(listener);
    }
  }

  /** Hook for {@code NioSocketImpl.listen}: an adopted socket already listens with the supervisor's backlog. */
  public boolean isAdopted(FileDescriptor fd) {
    for (InheritedListener listener : listeners) {
      if (listener.ownerFd == fd) {
        return true;
      }
    }
    return false;
  }

  /**
   * Hook for each accept (and OP_ACCEPT registration) on a listener: the first on every adopted one
   * means ready; every thread that accepts on one is remembered for {@link #awaitAcceptsReturned}.
   */
  public void accepting(Object listenerObject) {
    InheritedListener listener = ownedBy(listenerObject);
    if (listener != null) {
      keepNonBlocking(listener, listenerObject);
      acceptingThreads.add(Thread.currentThread());
      markAccepting(listener);
    }
  }

  /**
   * Before each accept of a channel that believes it is non-blocking: O_NONBLOCK again on the shared
   * open file description if another process cleared it. Go's start_server does, at every spawn
   * (os/exec makes each {@code ExtraFiles} descriptor blocking), while the old generation still accepts;
   * Netty accepts in a loop until the kernel says "no more", so its last accept then blocked the acceptor
   * until the next connection arrived, which waited or, once the drain had begun, was lost (every one
   * of 4 reloads at low traffic in {@code GoStartServerTest}). One fcntl(F_GETFL) per accept; F_SETFL only
   * when the flag was gone. A spawn that clears it between that check and the accept still blocks this
   * accept until the next connection: a window of microseconds once per reload.
   */
  private void keepNonBlocking(InheritedListener listener, Object listenerObject) {
    FileDescriptor fd = listener.ownerFd;
    if (fd == null || !(listenerObject instanceof SelectableChannel channel) || channel.isBlocking() || !channel.isOpen()) {
      return;
    }
    try {
      jdk.configureBlocking(fd, false);
    } catch (IOException | RuntimeException e) {
      Log.once("nonblock:" + listener.spec.spec(), "could not restore O_NONBLOCK on " + listener.spec.spec() + ": " + e);
    }
  }

  private void markAccepting(InheritedListener listener) {
    if (allAccepting) {
      return;
    }
    if (!listener.accepting) {
      listener.accepting = true;
      notifier.status("accepting on " + listener.spec.spec());
    }
    synchronized (this) {
      boolean all = true;
      for (InheritedListener each : listeners) {
        all &= each.accepting;
      }
      if (!allAccepting && all) {
        allAccepting = true;
        notifier.ready();
      }
    }
  }

  /**
   * Hook for an accepted connection (for Netty epoll: the listener's {@code Socket} and the new
   * {@code Channel}): connections of adopted listeners are waited for by the drain.
   */
  public void accepted(Object listenerObject, Object connection) {
    if (ownedBy(listenerObject) != null) {
      connections.add(connection);
    }
  }

  /**
   * Hook for {@code Net.setSocketOption/getSocketOption} with a protocol family. The JDK opens its
   * sockets as INET6 and sets IP_TOS as IPV6_TCLASS, which an AF_INET socket (what Perl's start_server
   * creates for a bare port) and the connections it accepts reject with "Protocol not available". Only
   * when an AF_INET socket was inherited, and only for IP_TOS on an IPv4 socket, the family becomes INET.
   */
  public ProtocolFamily optionFamily(FileDescriptor fd, ProtocolFamily family, SocketOption<?> name)
      throws IOException {
    if (!anyInet4 || name != StandardSocketOptions.IP_TOS || family != StandardProtocolFamily.INET6) {
      return family;
    }
    InetSocketAddress local = jdk.localAddress(fd);
    return local != null && local.getAddress() instanceof Inet4Address ? StandardProtocolFamily.INET : family;
  }

  /** Closes this process's adopted listeners: new connections queue for the next generation. */
  public int closeListeners() {
    int closed = 0;
    for (InheritedListener listener : listeners) {
      Object owner = listener.owner;
      if (owner == null) {
        continue;
      }
      try {
        if (owner instanceof Channel channel) {
          channel.close();
        } else if (owner instanceof SocketImpl) {
          jdk.closeSocketImpl(owner);
        } else if (!NettyChannels.stopAccepting(listener.nettyChannel, owner, NATIVE_STOP_WAIT_MILLIS)) {
          Log.warn("the Netty event loop of " + listener.spec.spec() + " did not stop accepting on it within "
              + NATIVE_STOP_WAIT_MILLIS + " ms; it stays open and accepting until this process exits");
          continue;
        } else if (NettyChannels.isIoUringSocket(owner)) {
          detachIoUringDescriptor(listener);
        }
        closed++;
      } catch (IOException | ReflectiveOperationException | RuntimeException e) {
        Log.error("closing listener " + listener.spec.spec(), e);
      }
    }
    return closed;
  }

  /**
   * Points Netty's io_uring descriptor of an adopted listener at {@code /dev/null} ({@code dup2}, atomic) once it
   * accepts no more: this process lets go of the shared socket as a close would, and Netty still owns an open
   * descriptor. Closing it under Netty instead marks Netty's {@code FileDescriptor} closed, and io_uring's
   * {@code doClose()} then submits no {@code IORING_OP_CLOSE}, whose completion is what completes the close
   * future the application gets from {@code channel.close()}: an old worker whose shutdown hook waited on it
   * never exited. Netty's own close later closes the {@code /dev/null} copy.
   */
  private void detachIoUringDescriptor(InheritedListener listener) throws IOException {
    try (FileInputStream nothing = new FileInputStream("/dev/null")) {
      jdk.dup2(jdk.fdVal(nothing.getFD()), listener.ownerFdNumber);
    }
  }

  /**
   * Waits (at most {@code limitNanos}) until no thread that accepted on an adopted listener is still
   * inside the JDK's accept. Closing a listener does not wait for an accept under way: one whose
   * accept(2) had just succeeded returns its connection after the close, and the agent learns of it
   * (and tracks it for the drain) only when that accept returns. A drain that checked the open
   * connections before would let the JVM exit with that connection unanswered: its client gets a reset
   * (seen under load with {@code java.net.ServerSocket}).
   */
  public void awaitAcceptsReturned(long limitNanos) throws InterruptedException {
    long deadline = System.nanoTime() + limitNanos;
    for (Thread thread : acceptingThreads) {
      while (thread.isAlive() && insideAccept(thread) && System.nanoTime() - deadline < 0) {
        Thread.sleep(1);
      }
    }
  }

  private static boolean insideAccept(Thread thread) {
    for (StackTraceElement frame : thread.getStackTrace()) {
      String type = frame.getClassName();
      if (frame.getMethodName().equals("accept")
          && (type.equals("sun.nio.ch.ServerSocketChannelImpl") || type.equals("sun.nio.ch.NioSocketImpl"))) {
        return true;
      }
    }
    return false;
  }

  private InheritedListener match(SocketAddress requested) {
    if (requested instanceof InetSocketAddress inet) {
      if (inet.getPort() == 0) {
        return null;
      }
      for (InheritedListener listener : listeners) {
        if (isFree(listener) && listener.matches(inet)) {
          return listener;
        }
      }
      Log.once("port:" + inet.getPort(), "port " + inet.getPort()
          + " is not in SERVER_STARTER_PORT; binding it normally");
      return null;
    }
    Path path = unixPath(requested);
    if (path != null) {
      for (InheritedListener listener : listeners) {
        if (isFree(listener) && listener.matchesPath(path)) {
          return listener;
        }
      }
      Log.once("path:" + path, "path " + path + " is not in SERVER_STARTER_PORT; binding it normally");
    }
    return null;
  }

  /** The path of a Unix-domain address, the JDK's or Netty's ({@code io.netty.channel.unix.DomainSocketAddress}). */
  private static Path unixPath(SocketAddress address) {
    if (address instanceof UnixDomainSocketAddress unix) {
      return unix.getPath();
    }
    if (NettyChannels.isDomainSocketAddress(address)) {
      try {
        return Path.of(NettyChannels.domainSocketPath(address));
      } catch (ReflectiveOperationException | RuntimeException e) {
        Log.error("reading the path of " + address + "; it binds normally", e);
      }
    }
    return null;
  }

  /** Not adopted yet, or adopted by a listener the application has closed since (it may bind again). */
  private boolean isFree(InheritedListener listener) {
    Object owner = listener.owner;
    if (owner == null) {
      return true;
    }
    try {
      if (owner instanceof Channel channel) {
        return !channel.isOpen();
      }
      return owner instanceof SocketImpl ? !jdk.isOpenSocketImpl(owner) : !NettyChannels.isOpenSocket(owner);
    } catch (IOException | ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  private InheritedListener ownedBy(Object owner) {
    if (owner == null) {
      return null;
    }
    for (InheritedListener listener : listeners) {
      if (listener.owner == owner) {
        return listener;
      }
    }
    return null;
  }

  private void adopt(InheritedListener listener, Object owner, FileDescriptor ownFd, int ownFdNumber)
      throws IOException {
    jdk.dup2(listener.spec.fd(), ownFdNumber);
    listener.ownerFd = ownFd;
    listener.ownerFdNumber = ownFdNumber;
    listener.owner = owner;
    Log.info("adopted " + listener.spec.describe());
    notifier.status("adopted " + listener.spec.describe());
  }
}
