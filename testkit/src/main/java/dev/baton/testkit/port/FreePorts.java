package dev.baton.testkit.port;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * TCP ports nothing listens on, the kernel's choice (so test JVMs running side by side rarely collide), and
 * never the same one twice in this JVM: tests run concurrently, and the kernel may hand a port just closed here
 * to the next caller before the first one's server bound it.
 */
public final class FreePorts {

  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /** A port free on every address (so on loopback too) a moment ago, not handed out before in this JVM. */
  public static int next() {
    while (true) {
      try (ServerSocket socket = new ServerSocket(0)) {
        if (HANDED_OUT.add(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
