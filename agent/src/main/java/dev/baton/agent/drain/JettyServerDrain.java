package dev.baton.agent.drain;

import dev.baton.agent.Log;
import java.lang.reflect.Method;
import java.util.List;
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
 */
public final class JettyServerDrain implements FrameworkDrain {

  private final List<Object> servers = new CopyOnWriteArrayList<>();
  private final StopThreads stops = new StopThreads();

  /** Hook target: a {@code Server} was constructed (once per constructor in a {@code this(...)} chain). */
  public void register(Object server) {
    if (servers.stream().noneMatch(known -> known == server)) {
      servers.add(server);
    }
  }

  @Override
  public void stopAccepting() {
    for (Object server : servers) {
      try {
        ClassLoader loader = server.getClass().getClassLoader();
        Method shutdown = Class.forName("org.eclipse.jetty.util.component.Graceful", false, loader)
            .getMethod("shutdown");
        Object[] connectors = (Object[]) server.getClass().getMethod("getConnectors").invoke(server);
        for (Object connector : connectors) {
          if (shutdown.getDeclaringClass().isInstance(connector)) {
            shutdown.invoke(connector);
          }
        }
      } catch (Throwable t) {
        Log.error("shutting down the connectors of a Jetty Server", t);
      }
    }
  }

  @Override
  public void startShutdown(long timeoutMillis) {
    for (Object server : servers) {
      stops.start("baton-jetty-stop", () -> stop(server, timeoutMillis));
    }
  }

  private static void stop(Object server, long timeoutMillis) {
    try {
      server.getClass().getMethod("setStopTimeout", long.class).invoke(server, timeoutMillis);
      server.getClass().getMethod("stop").invoke(server);
    } catch (Throwable t) {
      Log.error("stopping a Jetty Server", t);
    }
  }

  @Override
  public boolean setsUpConnectionsAfterAccept() {
    return !servers.isEmpty();
  }

  @Override
  public boolean isDone() {
    return stops.allFinished();
  }
}
