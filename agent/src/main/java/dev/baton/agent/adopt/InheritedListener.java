package dev.baton.agent.adopt;

import dev.baton.agent.config.ListenerSpec;
import java.io.FileDescriptor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * A listening socket inherited from the supervisor, and which of the application's listeners (a
 * {@code ServerSocketChannel}, a {@code java.net.ServerSocket}'s implementation, or a framework's own socket
 * object bound outside the JDK, a {@link ForeignListener}) now uses it.
 */
final class InheritedListener {

  final ListenerSpec spec;
  final FileDescriptor inheritedFd;
  /** Where the supervisor bound it (TCP only); what a {@code host:port} spec is matched against. */
  final InetSocketAddress boundAddress;

  /** The application object that adopted it; null until the application binds that port. */
  volatile Object owner;
  /** The owner's own descriptor object, now a dup of {@link #inheritedFd} (null for a foreign listener). */
  volatile FileDescriptor ownerFd;
  /** The owner's descriptor number, now a dup of {@link #inheritedFd}. */
  volatile int ownerFdNumber = -1;
  /** For an owner bound outside the JDK: how its framework stops it and watches its connections. */
  volatile ForeignListener foreign;
  volatile boolean accepting;

  InheritedListener(ListenerSpec spec, FileDescriptor inheritedFd, InetSocketAddress boundAddress) {
    this.spec = spec;
    this.inheritedFd = inheritedFd;
    this.boundAddress = boundAddress;
  }

  boolean isInet4() {
    return boundAddress != null && boundAddress.getAddress() instanceof java.net.Inet4Address;
  }

  /**
   * A bare {@code port} spec matches any host on that port; a {@code host:port} spec matches that host
   * (by name or by the address the supervisor bound) or a wildcard bind on that port.
   */
  boolean matches(InetSocketAddress requested) {
    if (spec.isUnix() || requested.getPort() != spec.port()) {
      return false;
    }
    if (spec.host() == null) {
      return true;
    }
    InetAddress address = requested.getAddress();
    if (address == null || address.isAnyLocalAddress()) {
      return true;
    }
    if (spec.host().equalsIgnoreCase(requested.getHostString())) {
      return true;
    }
    return boundAddress != null && sameAddress(address, boundAddress.getAddress());
  }

  /** Relative and absolute spellings of the same path match. */
  boolean matchesPath(Path path) {
    return spec.isUnix() && normalize(Path.of(spec.path())).equals(normalize(path));
  }

  private static Path normalize(Path path) {
    return path.toAbsolutePath().normalize();
  }

  private static boolean sameAddress(InetAddress a, InetAddress b) {
    if (a.equals(b)) {
      return true;
    }
    // Both loopbacks of the same family name the same thing for a "localhost:port" spec.
    return a.isLoopbackAddress() && b.isLoopbackAddress() && a.getClass() == b.getClass();
  }
}
