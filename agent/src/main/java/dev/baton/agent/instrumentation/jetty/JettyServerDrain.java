package dev.baton.agent.instrumentation.jetty;

import dev.baton.agent.drain.AbstractFrameworkDrain;
import dev.baton.agent.reflect.Internal;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Graceful stop of Jetty 12 ({@code org.eclipse.jetty.server.Server}) through its own graceful phase.
 *
 * <p>First each connector's {@code Graceful.shutdown()}: Jetty closes its listener itself (its acceptors
 * then end quietly, where a listener closed under them would make them log accept failures), marks the
 * connector shut down, so HTTP/1 responses from then on carry {@code Connection: close}, and shortens the
 * idle timeout of the open connections to the connector's {@code shutdownIdleTimeout} (1 s by default)
 * so that idle keep-alive connections go. Then {@code Server.stop()} with a stop timeout (by default 0:
 * no graceful phase at all) waits until every connection is closed, and stops the server; on a thread of
 * its own, since it blocks. Reached by reflection: the agent does not depend on Jetty.
 *
 * <p>HTTP/2 connections ({@link JettyHttp2Sessions}) keep their idle timeout through the connector's shutdown,
 * get the shutdown notice with the other frameworks' HTTP/2 connections, and are closed by their sessions'
 * own graceful shutdown before {@code Server.stop()}, once their streams are done.
 */
final class JettyServerDrain extends AbstractFrameworkDrain {

  private static final String JETTY = "Jetty";
  private static final String LOST = "Jetty servers are not stopped gracefully by the drain; it waits for their"
      + " connections to close instead";
  private static final Internal GRACEFUL_SHUTDOWN = Internal.of(JETTY, "org.eclipse.jetty.util.component.Graceful")
      .method("shutdown").lost(LOST);
  private static final Internal GET_CONNECTORS = Internal.of(JETTY, "org.eclipse.jetty.server.Server")
      .method("getConnectors").lost(LOST);
  private static final Internal SET_STOP_TIMEOUT = Internal.of(JETTY, "org.eclipse.jetty.server.Server")
      .method("setStopTimeout", long.class).lost(LOST);
  private static final Internal STOP = Internal.of(JETTY, "org.eclipse.jetty.server.Server").method("stop").lost(LOST);

  private final List<Object> servers = new CopyOnWriteArrayList<>();
  /** Each server's HTTP/2 side, looked up at the drain (not at start-up); empty when Jetty's HTTP/2 is absent. */
  private final Map<Object, Optional<JettyHttp2Sessions>> http2 = Collections.synchronizedMap(new IdentityHashMap<>());

  @Override
  public String name() {
    return JETTY;
  }

  /** A {@code Server} was constructed (once per constructor in a {@code this(...)} chain). */
  void register(Object server) {
    if (servers.stream().noneMatch(known -> known == server)) {
      servers.add(server);
    }
  }

  @Override
  public void stopAccepting() {
    for (Object server : servers) {
      try {
        ClassLoader loader = server.getClass().getClassLoader();
        Class<?> graceful = GRACEFUL_SHUTDOWN.type(loader);
        for (Object connector : (Object[]) GET_CONNECTORS.invoke(server)) {
          if (graceful.isInstance(connector)) {
            GRACEFUL_SHUTDOWN.invoke(connector);
          }
        }
      } catch (Throwable t) {
        failed("shutting down the connectors of a Jetty Server", t);
      }
      http2(server).ifPresent(JettyHttp2Sessions::keepIdleTimeout);
    }
  }

  @Override
  public void sendShutdownNotice() {
    for (Object server : servers) {
      http2(server).ifPresent(JettyHttp2Sessions::sendShutdownNotice);
    }
  }

  /** Connections that turned HTTP/2 since the notice, which the connector's shutdown gave the short idle timeout. */
  @Override
  public void noticeLateHttp2() {
    sendShutdownNotice();
  }

  /** Only with HTTP/2 connections open: HTTP/1 connections have Jetty's own idle grace. */
  @Override
  public boolean awaitsKeepAliveClients() {
    for (Object server : servers) {
      if (http2(server).map(JettyHttp2Sessions::anyOpen).orElse(false)) {
        return true;
      }
    }
    return false;
  }

  private Optional<JettyHttp2Sessions> http2(Object server) {
    return http2.computeIfAbsent(server, known -> Optional.ofNullable(JettyHttp2Sessions.of(known, this)));
  }

  @Override
  public void startShutdown(long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    for (Object server : servers) {
      Optional<JettyHttp2Sessions> sessions = http2(server);
      startStop("baton-jetty-stop", () -> {
        // Before Server.stop(): its connector shutdown would give the HTTP/2 connections the short idle
        // timeout again, and its HTTP2Session.shutdown() would not close a session whose client stays.
        sessions.ifPresent(http2Sessions -> http2Sessions.closeWhenStreamsDone(deadline));
        stop(server, Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      });
    }
  }

  private void stop(Object server, long timeoutMillis) {
    try {
      SET_STOP_TIMEOUT.invoke(server, timeoutMillis);
      STOP.invoke(server);
    } catch (Throwable t) {
      failed("stopping a Jetty Server", t);
    }
  }

  @Override
  public boolean setsUpConnectionsAfterAccept() {
    return true;
  }
}
