package dev.baton.agent.instrumentation.tomcat;

import dev.baton.agent.drain.AbstractFrameworkDrain;
import dev.baton.agent.log.Log;
import dev.baton.agent.reflect.Internal;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Graceful stop of Tomcat's connectors ({@code org.apache.tomcat.util.net.AbstractEndpoint}: NIO, NIO2),
 * without Tomcat's own {@code pause()} or {@code closeServerSocketGraceful()}: both wake the acceptor by
 * connecting to the listener ({@code unlockAccept}), and on a socket shared with the next generation that
 * connection may be accepted elsewhere while this acceptor takes, then destroys, a real client's; and a
 * paused connector answers a keep-alive client's next request with 503.
 *
 * <p>Instead: the agent closes the listener under the acceptor; the accept failure that follows ends the
 * acceptor without being reported as an error (see {@code TomcatAcceptorInstrumentation}).
 * The endpoint's bind state becomes "socket closed", which makes Tomcat end keep-alive after the current
 * response ({@code getMaxKeepAliveRequests()} answers 1): responses carry {@code Connection: close}. Once
 * no worker thread is busy (no request in flight), {@code endpoint.stop()} closes the idle keep-alive
 * connections. HTTP/2 connections get the shutdown notice when the drain begins, and those that turn HTTP/2
 * later get it while the stop waits ({@link TomcatHttp2Connections}); {@code Upgrade: h2c} is declined while
 * draining ({@code TomcatHttp2ProtocolInstrumentation}). Reached by reflection: the agent does not depend on
 * Tomcat.
 */
final class TomcatEndpointDrain extends AbstractFrameworkDrain {

  private static final long QUIET_POLL_MILLIS = 10;
  /** As Jetty's {@code shutdownIdleTimeout}: how long idle connections may still bring a request. */
  private static final long IDLE_GRACE_MILLIS = 1000;
  private static final String TOMCAT = "Tomcat";
  private static final String ENDPOINT = "org.apache.tomcat.util.net.AbstractEndpoint";
  private static final String LOST = "Tomcat connectors are not stopped gracefully by the drain; it closes their"
      + " listeners and waits for their connections instead";

  private static final Internal ACCEPTOR = Internal.of(TOMCAT, ENDPOINT).field("acceptor").lost(LOST);
  private static final Internal BIND_STATE = Internal.of(TOMCAT, ENDPOINT).field("bindState").lost(LOST);
  private static final Internal IS_RUNNING = Internal.of(TOMCAT, ENDPOINT).method("isRunning")
      .lost("Tomcat's acceptors may log the drain's close of their listener as an error");
  private static final Internal GET_EXECUTOR = Internal.of(TOMCAT, ENDPOINT).method("getExecutor").lost(LOST);
  private static final Internal CONNECTION_COUNT = Internal.of(TOMCAT, ENDPOINT).method("getConnectionCount")
      .lost(LOST);
  private static final Internal STOP = Internal.of(TOMCAT, ENDPOINT).method("stop").lost(LOST);
  private static final Internal ACCEPTOR_STATE = Internal.of(TOMCAT, "org.apache.tomcat.util.net.Acceptor")
      .method("getState").lost(LOST);
  /** Tomcat's own executor, a copy of the JDK's; a shared {@code <Executor>} is a {@code ResizableExecutor}. */
  private static final Internal POOL_ACTIVE_COUNT = Internal.of(TOMCAT, "org.apache.tomcat.util.threads.ThreadPoolExecutor")
      .method("getActiveCount").lost(LOST);
  private static final Internal RESIZABLE_ACTIVE_COUNT = Internal.of(TOMCAT,
      "org.apache.tomcat.util.threads.ResizableExecutor").method("getActiveCount").lost(LOST);

  private final List<Object> endpoints = new CopyOnWriteArrayList<>();
  private final Set<Object> notAccepting = ConcurrentHashMap.newKeySet();
  private final TomcatHttp2Connections http2 = new TomcatHttp2Connections();

  @Override
  public String name() {
    return TOMCAT;
  }

  /** An endpoint was constructed. */
  void register(Object endpoint) {
    endpoints.add(endpoint);
  }

  /**
   * Replaces {@code endpoint.isRunning()} where the acceptor decides whether an accept failure is worth an error:
   * not for an endpoint whose listener the drain closed ({@code drain} null: no endpoint registered yet).
   */
  static boolean acceptFailureIsError(TomcatEndpointDrain drain, Object endpoint) throws ReflectiveOperationException {
    if (drain != null && drain.notAccepting.contains(endpoint)) {
      return false;
    }
    return (boolean) IS_RUNNING.invoke(endpoint);
  }

  @Override
  public void stopAccepting() {
    for (Object endpoint : endpoints) {
      try {
        Object acceptor = ACCEPTOR.get(endpoint);
        if (acceptor == null) {
          continue; // never started
        }
        // Resolved before the endpoint counts as draining: without it the endpoint keeps running as before.
        Field bindState = (Field) BIND_STATE.resolve(endpoint.getClass().getClassLoader());
        // Not acceptor.stopMillis(): an acceptor that has just accepted a connection destroys it, unanswered,
        // once told to stop. With the listener closed, its next accept fails and it ends quietly (see
        // acceptFailureIsError); what it accepted before is served.
        notAccepting.add(endpoint);
        @SuppressWarnings({"unchecked", "rawtypes"})
        Object closed = Enum.valueOf((Class) bindState.getType(), "SOCKET_CLOSED_ON_STOP");
        BIND_STATE.set(endpoint, closed);
      } catch (Throwable t) {
        failed("stopping a Tomcat connector's acceptor", t);
      }
    }
  }

  /**
   * GOAWAY (NO_ERROR, last stream 2^31-1) on every HTTP/2 connection ({@link TomcatHttp2Connections}): its
   * streams in flight and those the client sends until it reads the notice are served, its next ones go to
   * a new connection. The stop below comes after the idle grace, so clients have that long to move.
   */
  @Override
  public void sendShutdownNotice() {
    int told = 0;
    for (Object endpoint : endpoints) {
      if (notAccepting.contains(endpoint)) {
        try {
          told += http2.sendShutdownNotice(endpoint);
        } catch (Throwable t) {
          failed("sending GOAWAY on Tomcat's HTTP/2 connections", t);
        }
      }
    }
    if (told > 0) {
      Log.info("sent GOAWAY (NO_ERROR, last stream " + Integer.MAX_VALUE + ") on " + told
          + " Tomcat HTTP/2 connection(s): their clients open new streams on new connections");
    }
  }

  @Override
  public void startShutdown(long timeoutMillis) {
    for (Object endpoint : endpoints) {
      if (notAccepting.contains(endpoint)) {
        startStop("baton-tomcat-stop", () -> stopWhenQuiet(endpoint, timeoutMillis));
      }
    }
  }

  /**
   * Waits until the acceptor has ended and no worker thread is busy, and either every connection is
   * closed (each response closed its connection) or the idle grace has passed (connections that stay
   * idle, a keep-alive pool's, had a second to bring a last request), then stops the endpoint, which
   * closes what is left. A connection that turned HTTP/2 since the notice is told now, and the grace starts
   * over for its client to move.
   */
  private void stopWhenQuiet(Object endpoint, long timeoutMillis) {
    long start = System.nanoTime();
    long deadline = start + timeoutMillis * 1_000_000;
    long graceStart = start;
    try {
      Object acceptor = ACCEPTOR.get(endpoint);
      int quietPolls = 0;
      // Two quiet polls in a row: a request read by the poller is handed to a worker thread a moment later.
      while (quietPolls < 2 && System.nanoTime() - deadline < 0) {
        if (sendLateShutdownNotice(endpoint)) {
          graceStart = System.nanoTime();
        }
        boolean acceptorEnded = "ENDED".equals(String.valueOf(ACCEPTOR_STATE.invoke(acceptor)));
        int busy = activeThreads(GET_EXECUTOR.invoke(endpoint));
        long open = (long) CONNECTION_COUNT.invoke(endpoint); // -1: not counted (maxConnections=-1)
        boolean graceOver = System.nanoTime() - graceStart >= IDLE_GRACE_MILLIS * 1_000_000;
        quietPolls = acceptorEnded && busy == 0 && (open == 0 || graceOver) ? quietPolls + 1 : 0;
        Thread.sleep(QUIET_POLL_MILLIS);
      }
      STOP.invoke(endpoint);
    } catch (Throwable t) {
      failed("stopping a Tomcat connector", t);
    }
  }

  /** The notice on connections that turned HTTP/2 since it was sent; true if any was told now. */
  private boolean sendLateShutdownNotice(Object endpoint) {
    try {
      int told = http2.sendShutdownNotice(endpoint);
      if (told > 0) {
        Log.info("sent GOAWAY (NO_ERROR, last stream " + Integer.MAX_VALUE + ") on " + told
            + " Tomcat connection(s) turned HTTP/2 during the drain");
      }
      return told > 0;
    } catch (Throwable t) {
      fellShort();
      Log.once("tomcat-late-goaway", "could not send GOAWAY on Tomcat's HTTP/2 connections: " + t);
      return false;
    }
  }

  /**
   * Busy worker threads: Tomcat's internal executor is its own {@code org.apache.tomcat.util.threads.ThreadPoolExecutor}
   * (a copy of the JDK's), a shared {@code <Executor>} a {@code ResizableExecutor}, or the JDK's; any other (virtual
   * threads) counts none.
   */
  private static int activeThreads(Object executor) throws ReflectiveOperationException {
    if (executor instanceof java.util.concurrent.ThreadPoolExecutor jdkPool) {
      return jdkPool.getActiveCount();
    }
    if (executor == null) {
      return 0;
    }
    ClassLoader loader = executor.getClass().getClassLoader();
    if (POOL_ACTIVE_COUNT.type(loader).isInstance(executor)) {
      return (int) POOL_ACTIVE_COUNT.invoke(executor);
    }
    return RESIZABLE_ACTIVE_COUNT.type(loader).isInstance(executor) ? (int) RESIZABLE_ACTIVE_COUNT.invoke(executor) : 0;
  }
}
