package dev.baton.agent.notify;

import dev.baton.agent.log.Log;
import dev.baton.agent.bootstrap.JdkInternals;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Tells the supervisor how the worker is doing, in systemd's sd_notify words ({@code READY=1},
 * {@code STATUS=...}, {@code STOPPING=1}).
 *
 * <p>Java 17 cannot open an AF_UNIX datagram socket, so {@code NOTIFY_SOCKET} alone is not usable:
 * baton also passes {@code BATON_NOTIFY_FD}, an inherited AF_UNIX SOCK_DGRAM socket already connected
 * to that path. Each {@code write(2)} on it, here each {@link FileOutputStream#write(byte[])}, is one
 * datagram. Without that descriptor every call does nothing.
 */
public final class Notifier {

  public static final String FD_ENV = "BATON_NOTIFY_FD";
  public static final String SOCKET_ENV = "NOTIFY_SOCKET";

  private final FileOutputStream out;
  private boolean readySent;
  /** Announced with READY=1, if on. */
  private WarmUp warmUp;

  private Notifier(FileOutputStream out) {
    this.out = out;
  }

  /** A notifier for the descriptor in {@code BATON_NOTIFY_FD}, or one that does nothing. */
  public static Notifier fromEnvironment(Map<String, String> env, JdkInternals jdk) {
    String fd = env.get(FD_ENV);
    if (fd == null || fd.isBlank()) {
      if (env.get(SOCKET_ENV) != null) {
        Log.info(SOCKET_ENV + " is set without " + FD_ENV
            + ": readiness is not reported (Java 17 cannot open AF_UNIX datagram sockets)");
      }
      return new Notifier(null);
    }
    try {
      FileDescriptor descriptor = jdk.newFd(Integer.parseInt(fd.trim()));
      // A supervisor that stops reading must not stall the application (these writes happen inside
      // bind and accept): with O_NONBLOCK a full socket buffer drops the datagram instead of blocking.
      jdk.configureBlocking(descriptor, false);
      return new Notifier(new FileOutputStream(descriptor));
    } catch (IOException | RuntimeException t) {
      Log.warn(FD_ENV + "=" + fd + " is not usable (" + t + "); readiness is not reported");
      return new Notifier(null);
    }
  }

  /** Whether the datagrams reach a supervisor (baton passed {@code BATON_NOTIFY_FD}). */
  public boolean reachesSupervisor() {
    return out != null;
  }

  /** At set-up, before READY=1 can be sent: READY=1 comes with the warm-up's announcement. */
  synchronized void announceWarmUp(WarmUp announced) {
    warmUp = announced;
  }

  public void status(String text) {
    send("STATUS=" + text);
  }

  /**
   * {@code READY=1}, once: every inherited socket is adopted and accepted on. With a {@link WarmUp}, in the same
   * datagram, how long the older generations may serve beside this one.
   */
  public synchronized void ready() {
    if (!readySent) {
      readySent = true;
      send(warmUp == null ? "READY=1" : "READY=1\n" + warmUp.announcement());
      if (warmUp != null) {
        warmUp.readySent();
      }
    }
  }

  /**
   * The warm-up's {@code X_BATON_WARM=1}: after READY=1 it is sent; before it (the requests were answered before
   * every listener accepted), READY=1 will announce no warm-up at all, so the supervisor waits for nothing.
   */
  synchronized void warm(String datagram) {
    if (readySent) {
      send(datagram);
    } else {
      warmUp = null;
    }
  }

  public void stopping() {
    send("STOPPING=1");
  }

  private synchronized void send(String datagram) {
    if (out == null) {
      return;
    }
    try {
      out.write(datagram.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      Log.once("notify-failed", "cannot write to " + FD_ENV + " (" + e + "); supervisor not told: " + datagram);
    }
  }
}
