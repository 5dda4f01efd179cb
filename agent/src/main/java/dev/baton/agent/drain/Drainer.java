package dev.baton.agent.drain;

import dev.baton.agent.Log;
import dev.baton.agent.adopt.SocketAdopter;
import dev.baton.agent.notify.Notifier;
import java.time.Duration;

/**
 * Retires this worker without failing a request.
 *
 * <ol>
 *   <li>{@code STOPPING=1} to the supervisor.
 *   <li>Stop accepting in this process only: close the adopted listeners. The supervisor keeps its
 *       descriptor, so connections that arrive now queue in the kernel for the next generation; none is
 *       refused.
 *   <li>Let requests in flight finish: frameworks with their own graceful stop are driven through it
 *       (JDK HttpServer, Vert.x); elsewhere the drain waits until the connections accepted on adopted
 *       listeners are closed by the application.
 *   <li>Return, bounded by the drain timeout; the caller then exits through the JVM's normal path.
 * </ol>
 *
 * An idle worker returns at once: nothing is waited for that is not in flight.
 */
public final class Drainer {

  private static final long POLL_MILLIS = 10;

  private final SocketAdopter adopter;
  private final ConnectionTracker connections;
  private final JdkHttpServerDrain httpServers;
  private final VertxHttpServerDrain vertxServers;
  private final Notifier notifier;
  private volatile boolean draining;

  public Drainer(
      SocketAdopter adopter,
      ConnectionTracker connections,
      JdkHttpServerDrain httpServers,
      VertxHttpServerDrain vertxServers,
      Notifier notifier) {
    this.adopter = adopter;
    this.connections = connections;
    this.httpServers = httpServers;
    this.vertxServers = vertxServers;
    this.notifier = notifier;
  }

  /** Hook target: true once draining started (responses then ask to close the connection). */
  public boolean isDraining() {
    return draining;
  }

  /** Drains; returns when nothing is in flight any more or the timeout passed. */
  public void drain(Duration timeout) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    draining = true;
    notifier.stopping();
    // Listeners first, synchronously: once closed no accept can succeed here. A framework's own
    // shutdown is asynchronous and may stop serving before it stops accepting (Vert.x drops
    // connections accepted in between).
    adopter.closeListeners();
    vertxServers.startShutdown(timeout.toMillis());
    boolean done = false;
    while (!done) {
      boolean serversStopped = httpServers.stopIdleServers() && vertxServers.isShutDown();
      done = serversStopped && connections.openCount() == 0;
      if (!done) {
        if (System.nanoTime() - deadline >= 0) {
          Log.warn("drain timeout " + timeout + " reached with " + connections.openCount()
              + " connection(s) still open; exiting anyway");
          httpServers.stopAll();
          return;
        }
        pause();
      }
    }
    Log.info("drained in " + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
  }

  private static void pause() {
    try {
      Thread.sleep(POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
