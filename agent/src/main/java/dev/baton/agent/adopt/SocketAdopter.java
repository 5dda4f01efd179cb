package dev.baton.agent.adopt;

import dev.baton.agent.bootstrap.JdkInternals;
import dev.baton.agent.config.ListenerSpec;
import dev.baton.agent.log.Log;
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
 * <p>A transport that binds through JNI, never through the JDK, adopts through {@link #adoptForeign}: there the
 * int descriptor the framework created is the one {@code dup2} replaces, with the same effect, and the framework
 * says how its listener stops and how its connections are watched ({@link ForeignListener}).
 */
public final class SocketAdopter {

  private static volatile SocketAdopter installed;

  /** How long a drain waits for a framework's event loop to stop accepting on an adopted foreign listener. */
  private static final long FOREIGN_STOP_WAIT_MILLIS = 5_000;

  private final JdkInternals jdk;
  private final List<InheritedListener> listeners;
  private final Notifier notifier;
  private final ConnectionTracker connections;
  private final boolean anyInet4;
  private volatile boolean allAccepting;
  private final Set<Thread> acceptingThreads = ConcurrentHashMap.newKeySet();

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

  /**
   * At set-up: the adopter that code injected into a framework binding outside the JDK reaches (through the
   * framework's {@code *Singletons}), as the hooks in java.base reach it for the JDK's own binds.
   */
  public static void install(SocketAdopter adopter) {
    installed = adopter;
  }

  /** The adopter, or null before the set-up has made it. */
  public static SocketAdopter installed() {
    return installed;
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
   * For a framework that binds outside the JDK (a JNI transport): true when {@code requested} was adopted into the
   * framework's descriptor {@code fd}, and the framework's bind (and listen) is to be skipped. {@code owner} is the
   * framework's object for the listening socket, by which its later hooks name it. TCP or a Unix-domain path, stream
   * sockets only: a datagram socket may bind the port of a TCP listener (HTTP/3 beside HTTP/1.1 and 2). A TCP
   * client binding a listed port before connecting would be adopted too; no client does that to a port a server
   * listens on.
   */
  public boolean adoptForeign(Object owner, int fd, SocketAddress requested, ForeignListener listener)
      throws IOException {
    if (!jdk.isStreamSocket(fd)) {
      return false;
    }
    InheritedListener inherited = match(requested);
    if (inherited == null) {
      return false;
    }
    inherited.foreign = listener;
    adopt(inherited, owner, null, fd);
    // Such transports create their sockets non-blocking, and an event loop must never block in accept (a
    // generation that loses the race for a connection to another would): the shared open file description
    // becomes non-blocking too (never cleared, see adoptChannel).
    jdk.configureBlocking(jdk.newFd(fd), false);
    return true;
  }

  /** The {@link ForeignListener} an adopted foreign socket was given, or null when {@code owner} adopted nothing. */
  public ForeignListener foreignListener(Object owner) {
    InheritedListener listener = ownedBy(owner);
    return listener == null ? null : listener.foreign;
  }

  /**
   * An adopted foreign listener has started accepting (its event loop asked for readiness), as {@code OP_ACCEPT}
   * is for NIO. No thread is remembered for {@link #awaitAcceptsReturned}: stopping a foreign listener waits for
   * its event loop.
   */
  public void foreignAccepting(Object owner) {
    InheritedListener listener = ownedBy(owner);
    if (listener != null) {
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
   * Hook for a blocking accept whose thread was interrupted after accept(2) had taken a connection: true, for an
   * adopted listener, keeps that connection (the JDK would drop it unclosed: its client gets a reset when the process
   * exits, while the connections still queued are the next generation's).
   */
  public boolean keepsInterruptedAccept(Object listenerObject) {
    return ownedBy(listenerObject) != null;
  }

  /**
   * Hook for an accepted connection (for a foreign listener: the framework's objects for the listening socket and
   * the connection): connections of adopted listeners are waited for by the drain.
   */
  public void accepted(Object listenerObject, Object connection) {
    InheritedListener listener = ownedBy(listenerObject);
    if (listener != null) {
      connections.add(connection, listener.foreign);
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
        } else if (!listener.foreign.stopAccepting(FOREIGN_STOP_WAIT_MILLIS)) {
          Log.warn("the event loop of " + listener.spec.spec() + " did not stop accepting on it within "
              + FOREIGN_STOP_WAIT_MILLIS + " ms; it stays open and accepting until this process exits");
          continue;
        } else if (listener.foreign.keepsDescriptorOpen()) {
          detachDescriptor(listener);
        }
        closed++;
      } catch (IOException | ReflectiveOperationException | RuntimeException e) {
        Log.error("closing listener " + listener.spec.spec(), e);
      }
    }
    return closed;
  }

  /**
   * Points the framework's descriptor of an adopted foreign listener at {@code /dev/null} ({@code dup2}, atomic) once
   * it accepts no more: this process lets go of the shared socket as a close would, and the framework still owns
   * an open descriptor, which its own close later closes (see {@link ForeignListener#keepsDescriptorOpen}).
   */
  private void detachDescriptor(InheritedListener listener) throws IOException {
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

  /** The path of a Unix-domain address (a framework's own address type is given as the JDK's). */
  private static Path unixPath(SocketAddress address) {
    return address instanceof UnixDomainSocketAddress unix ? unix.getPath() : null;
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
      return owner instanceof SocketImpl ? !jdk.isOpenSocketImpl(owner) : !listener.foreign.isOpen();
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
