package dev.baton.agent.instrumentation.tomcat;

import dev.baton.agent.Log;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
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
public final class TomcatEndpointDrain implements FrameworkDrain {

  private static final long QUIET_POLL_MILLIS = 10;
  /** As Jetty's {@code shutdownIdleTimeout}: how long idle connections may still bring a request. */
  private static final long IDLE_GRACE_MILLIS = 1000;

  private final List<Object> endpoints = new CopyOnWriteArrayList<>();
  private final Set<Object> notAccepting = ConcurrentHashMap.newKeySet();
  private final StopThreads stops = new StopThreads();
  private final TomcatHttp2Connections http2 = new TomcatHttp2Connections();

  /** Hook target: true once draining, so every response ends its connection ({@code Connection: close}). */
  public boolean isDraining() {
    return !notAccepting.isEmpty();
  }

  /** Hook target: an endpoint was constructed. */
  public void register(Object endpoint) {
    endpoints.add(endpoint);
  }

  /**
   * Hook target, replacing {@code endpoint.isRunning()} where the acceptor decides whether an accept
   * failure is worth an error: not for an endpoint whose listener the drain closed.
   */
  public boolean acceptFailureIsError(Object endpoint) throws ReflectiveOperationException {
    if (notAccepting.contains(endpoint)) {
      return false;
    }
    return (boolean) endpoint.getClass().getMethod("isRunning").invoke(endpoint);
  }

  @Override
  public void stopAccepting() {
    for (Object endpoint : endpoints) {
      try {
        Class<?> abstractEndpoint = abstractEndpoint(endpoint);
        Object acceptor = field(abstractEndpoint, "acceptor").get(endpoint);
        if (acceptor == null) {
          continue; // never started
        }
        // Not acceptor.stopMillis(): an acceptor that has just accepted a connection destroys it, unanswered,
        // once told to stop. With the listener closed, its next accept fails and it ends quietly (see
        // acceptFailureIsError); what it accepted before is served.
        notAccepting.add(endpoint);
        Field bindState = field(abstractEndpoint, "bindState");
        @SuppressWarnings({"unchecked", "rawtypes"})
        Object closed = Enum.valueOf((Class) bindState.getType(), "SOCKET_CLOSED_ON_STOP");
        bindState.set(endpoint, closed);
      } catch (Throwable t) {
        Log.error("stopping a Tomcat connector's acceptor", t);
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
          Log.error("sending GOAWAY on Tomcat's HTTP/2 connections", t);
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
        stops.start("baton-tomcat-stop", () -> stopWhenQuiet(endpoint, timeoutMillis));
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
      Object acceptor = field(abstractEndpoint(endpoint), "acceptor").get(endpoint);
      Method state = acceptor.getClass().getMethod("getState");
      Method executor = endpoint.getClass().getMethod("getExecutor");
      Method connectionCount = endpoint.getClass().getMethod("getConnectionCount");
      int quietPolls = 0;
      // Two quiet polls in a row: a request read by the poller is handed to a worker thread a moment later.
      while (quietPolls < 2 && System.nanoTime() - deadline < 0) {
        if (sendLateShutdownNotice(endpoint)) {
          graceStart = System.nanoTime();
        }
        boolean acceptorEnded = "ENDED".equals(String.valueOf(state.invoke(acceptor)));
        int busy = activeThreads(executor.invoke(endpoint));
        long open = (long) connectionCount.invoke(endpoint); // -1: not counted (maxConnections=-1)
        boolean graceOver = System.nanoTime() - graceStart >= IDLE_GRACE_MILLIS * 1_000_000;
        quietPolls = acceptorEnded && busy == 0 && (open == 0 || graceOver) ? quietPolls + 1 : 0;
        Thread.sleep(QUIET_POLL_MILLIS);
      }
      endpoint.getClass().getMethod("stop").invoke(endpoint);
    } catch (Throwable t) {
      Log.error("stopping a Tomcat connector", t);
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
      Log.once("tomcat-late-goaway", "could not send GOAWAY on Tomcat's HTTP/2 connections: " + t);
      return false;
    }
  }

  /**
   * Busy worker threads: Tomcat's internal executor is its own {@code org.apache.tomcat.util.threads.ThreadPoolExecutor}
   * (a copy of the JDK's), a shared {@code <Executor>} may be either; both have {@code getActiveCount()}.
   */
  private static int activeThreads(Object executor) throws ReflectiveOperationException {
    if (executor == null) {
      return 0;
    }
    Object executorOwner = executor;
    Method getter = null;
    for (Class<?> type = executor.getClass(); type != null && getter == null; type = type.getSuperclass()) {
      try {
        getter = type.getMethod("getActiveCount");
      } catch (NoSuchMethodException absent) {
        // keep looking
      }
    }
    if (getter == null) {
      return 0;
    }
    return ((Number) getter.invoke(executorOwner)).intValue();
  }

  @Override
  public boolean isDone() {
    return stops.allFinished();
  }

  private static Class<?> abstractEndpoint(Object endpoint) {
    Class<?> type = endpoint.getClass();
    while (!type.getName().equals("org.apache.tomcat.util.net.AbstractEndpoint")) {
      type = type.getSuperclass();
    }
    return type;
  }

  private static Field field(Class<?> type, String name) throws NoSuchFieldException {
    Field field = type.getDeclaredField(name);
    field.setAccessible(true);
    return field;
  }
}
