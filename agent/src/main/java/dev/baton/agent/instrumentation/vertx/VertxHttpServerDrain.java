package dev.baton.agent.instrumentation.vertx;

import dev.baton.agent.Log;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Graceful stop of Vert.x HTTP servers through their own {@code HttpServer.shutdown(timeout, unit)}:
 * the listener is unbound, HTTP/1.x connections close after their current response (one set up but not
 * used yet is kept for its first request), HTTP/2 ones get a GOAWAY. A connection Netty accepted but had
 * not handed to Vert.x when {@code shutdown} ran is closed unread, hence the {@code Drainer}'s
 * hand-over wait first. Reached by reflection: the agent does not depend on Vert.x.
 */
public final class VertxHttpServerDrain {

  private final List<Object> servers = new CopyOnWriteArrayList<>();
  private final List<Object> shutdowns = new CopyOnWriteArrayList<>();

  /** Hook target: an {@code io.vertx.core.http.impl.HttpServerImpl} was constructed. */
  public void register(Object server) {
    servers.add(server);
  }

  /** Starts every server's shutdown; returns at once (Vert.x shuts down on its event loops). */
  public void startShutdown(long timeoutMillis) {
    for (Object server : servers) {
      try {
        Class<?> api = Class.forName("io.vertx.core.http.HttpServer", false, server.getClass().getClassLoader());
        Method shutdown = api.getMethod("shutdown", long.class, TimeUnit.class);
        shutdowns.add(shutdown.invoke(server, timeoutMillis, TimeUnit.MILLISECONDS));
      } catch (Throwable t) {
        Log.error("shutting down a Vert.x HttpServer", t);
      }
    }
  }

  /** True when every shutdown started has completed. */
  public boolean isShutDown() {
    for (Object future : shutdowns) {
      try {
        Class<?> api = Class.forName("io.vertx.core.Future", false, future.getClass().getClassLoader());
        if (!(boolean) api.getMethod("isComplete").invoke(future)) {
          return false;
        }
      } catch (Throwable t) {
        Log.error("watching a Vert.x HttpServer shutdown", t);
      }
    }
    return true;
  }
}
