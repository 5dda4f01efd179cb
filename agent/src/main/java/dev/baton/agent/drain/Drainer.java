package dev.baton.agent.drain;

import dev.baton.agent.adopt.ConnectionTracker;
import dev.baton.agent.adopt.SocketAdopter;
import dev.baton.agent.log.Log;
import dev.baton.agent.notify.Notifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Retires this worker without failing a request.
 *
 * <ol>
 *   <li>{@code STOPPING=1} to the supervisor.
 *   <li>Stop accepting in this process only: close the adopted listeners. The supervisor keeps its
 *       descriptor, so connections that arrive now queue in the kernel for the next generation; none is
 *       refused.
 *   <li>Let clients on keep-alive connections finish: from now on every response of a framework the agent
 *       drains asks to close its connection, and for up to the keep-alive grace the drain waits for the
 *       connections to close that way, after a response, instead of closing them while idle: a client may be
 *       sending its next request on an idle connection at the very moment it is closed, and gets a reset for a
 *       request it already sent. The grace restarts each time a connection closes.
 *   <li>Let requests in flight finish: frameworks with their own graceful stop ({@link FrameworkDrain}, one per
 *       framework whose first server registered) are driven through it, for those that set connections up
 *       after the accept only once every connection accepted before the listener closed has been taken over
 *       by an event loop (see {@code awaitHandOver}); and the drain waits until the connections accepted on
 *       adopted listeners are closed (by the framework, or by the application: the generic, connection-level
 *       drain).
 *   <li>Return, bounded by the drain timeout; the caller then exits through the JVM's normal path. The last
 *       line names the frameworks whose drains went their own way to the end, or {@code connections} when
 *       only the connection-level drain applied: {@code drained in 120 ms (Jetty)}.
 * </ol>
 *
 * An idle worker returns at once: nothing is waited for that is not in flight.
 */
public final class Drainer {

  private static final long POLL_MILLIS = 10;
  private static final long HAND_OVER_POLL_MILLIS = 2;
  private static final long HAND_OVER_LIMIT_MILLIS = 500;

  /** What the last line says when no framework drain went its own way: only the connection-level drain applied. */
  static final String CONNECTIONS_ONLY = "connections";

  private final SocketAdopter adopter;
  private final ConnectionTracker connections;
  private final Notifier notifier;
  private volatile boolean draining;

  public Drainer(SocketAdopter adopter, ConnectionTracker connections, Notifier notifier) {
    this.adopter = adopter;
    this.connections = connections;
    this.notifier = notifier;
  }

  /** Hook target: true once draining started (responses then ask to close the connection). */
  public boolean isDraining() {
    return draining;
  }

  /** Drains; returns when nothing is in flight any more or the timeout passed. */
  public void drain(Duration timeout, Duration keepAliveGrace) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    draining = true;
    notifier.stopping();
    // The frameworks whose servers registered by now: a server created after the drain began never
    // bound an adopted listener in time to matter.
    List<FrameworkDrain> frameworks = FrameworkDrains.registered();
    // Listeners first, synchronously: once closed no accept can succeed here. A framework's own
    // shutdown is asynchronous and may stop serving before it stops accepting (Vert.x drops
    // connections accepted in between). Frameworks that close their listener themselves quietly (Jetty)
    // are asked to first; closing it again here is harmless.
    frameworks.forEach(FrameworkDrain::stopAccepting);
    adopter.closeListeners();
    awaitAcceptsReturned(deadline);
    // HTTP/2's counterpart of Connection: close, sent now so that the keep-alive grace below lets the
    // clients move their next streams to new connections before the frameworks' stops close these.
    frameworks.forEach(FrameworkDrain::sendShutdownNotice);
    awaitKeepAliveClients(deadline, keepAliveGrace, frameworks);
    if (frameworks.stream().anyMatch(FrameworkDrain::setsUpConnectionsAfterAccept)) {
      awaitHandOver(System.nanoTime(), deadline);
    }
    for (FrameworkDrain framework : frameworks) {
      framework.startShutdown(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }
    boolean done = false;
    while (!done) {
      done = frameworksDone(frameworks) && connections.openCount() == 0;
      if (!done) {
        if (System.nanoTime() - deadline >= 0) {
          Log.warn("drain timeout " + timeout + " reached with " + connections.openCount()
              + " connection(s) still open; exiting anyway");
          frameworks.forEach(FrameworkDrain::stopNow);
          return;
        }
        pause();
      }
    }
    Log.info("drained in " + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms ("
        + ownPaths(frameworks) + ")");
  }

  /**
   * The frameworks whose drains went their own way to the end, comma-separated, or {@link #CONNECTIONS_ONLY}: what
   * tests (and users) read to know that a framework's own drain ran, not only the connection-level one.
   */
  static String ownPaths(List<FrameworkDrain> frameworks) {
    List<String> names = new ArrayList<>();
    for (FrameworkDrain framework : frameworks) {
      if (framework.completedOwnPath()) {
        names.add(framework.name());
      }
    }
    return names.isEmpty() ? CONNECTIONS_ONLY : String.join(", ", names);
  }

  /** An accept under way when the listener closed may still return a connection: it is waited for. */
  private void awaitAcceptsReturned(long deadline) {
    try {
      adopter.awaitAcceptsReturned(Math.min(HAND_OVER_LIMIT_MILLIS * 1_000_000, Math.max(0, deadline - System.nanoTime())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Gives the clients of HTTP servers whose responses now say {@code Connection: close} the time to send
   * one more request on their open connections and get it answered; returns as soon as no connection
   * is open. The grace restarts whenever a connection closes: a client came back and was answered, so
   * others may still be on their way. Under load every connection comes back, but on a loaded machine a
   * client can take longer than the grace to read its last keep-alive response and send the next request
   * (ab -k at load 20-30 took 2-3 s per round trip); closing its connection as idle then races that request.
   * What is still open once no connection has closed for a whole grace has been idle all along, and the
   * framework's shutdown closes it.
   */
  private void awaitKeepAliveClients(long deadline, Duration grace, List<FrameworkDrain> frameworks) {
    if (frameworks.stream().noneMatch(FrameworkDrain::awaitsKeepAliveClients)) {
      return; // no HTTP server known to say Connection: close; the generic drain waits for the application
    }
    long start = System.nanoTime();
    long limit = Math.min(deadline, start + grace.toNanos());
    int open = connections.notFinishedCount();
    while (open > 0 && System.nanoTime() - limit < 0) {
      pause();
      frameworks.forEach(FrameworkDrain::noticeLateHttp2);
      int stillOpen = connections.notFinishedCount();
      if (stillOpen < open) {
        limit = Math.min(deadline, System.nanoTime() + grace.toNanos());
      }
      open = stillOpen;
    }
    if (open > 0) {
      Log.info(open + " connection(s) still open after " + Duration.ofNanos(System.nanoTime() - start).toMillis()
          + " ms, none closed in the last " + grace.toMillis() + " ms (keepAliveGrace); those with nothing in flight are closed");
    }
  }

  /**
   * Waits until every connection accepted before the listener closed has been taken over by the
   * framework's event loop (registered with its selector). Netty accepts on one thread and sets each
   * connection up on another; Vert.x's shutdown removes the server's per-event-loop workers, and a
   * connection set up after that is closed unread: its client, which has sent its request, gets an
   * empty response. Once set up, Vert.x's shutdown answers the connection's first request before
   * closing it. Bounded by {@link #HAND_OVER_LIMIT_MILLIS} for channels that are never registered
   * (blocking I/O) and by the drain timeout; an idle worker waits one poll interval (2 ms).
   */
  private void awaitHandOver(long start, long deadline) {
    long limit = Math.min(deadline, start + HAND_OVER_LIMIT_MILLIS * 1_000_000);
    // One poll interval first: the JDK creates an accepted connection's channel (finishAccept, where
    // the agent tracks it) after releasing the accept lock that closing the listener waits for, so an
    // accept that has just returned may not be tracked yet.
    pause(HAND_OVER_POLL_MILLIS);
    boolean waited = false;
    while (connections.notHandedOverCount() > 0 && System.nanoTime() - limit < 0) {
      waited = true;
      pause(HAND_OVER_POLL_MILLIS);
    }
    if (waited) {
      Log.info("waited " + Duration.ofNanos(System.nanoTime() - start).toMillis()
          + " ms for accepted connections to be set up before the framework's shutdown");
      // Registration and the framework's own set-up of the connection (Netty's channel initializer)
      // run in one event-loop task, registration first: a connection seen registered a moment ago may
      // still be inside that task. One more poll interval lets the task finish; no state of the
      // framework's shows its end without depending on Netty or Vert.x internals.
      pause(HAND_OVER_POLL_MILLIS);
    }
  }

  private static boolean frameworksDone(List<FrameworkDrain> frameworks) {
    for (FrameworkDrain framework : frameworks) {
      if (!framework.isDone()) {
        return false;
      }
    }
    return true;
  }

  private static void pause() {
    pause(POLL_MILLIS);
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
