package dev.baton.agent.instrumentation.vertx;

import dev.baton.agent.drain.AbstractFrameworkDrain;
import dev.baton.agent.reflect.Internal;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Graceful stop of Vert.x HTTP servers through their own {@code HttpServer.shutdown(timeout, unit)}:
 * the listener is unbound, HTTP/1.x connections close after their current response (one set up but not
 * used yet is kept for its first request), HTTP/2 ones get a GOAWAY. A connection Netty accepted but had
 * not handed to Vert.x when {@code shutdown} ran is closed unread, hence the {@code Drainer}'s
 * hand-over wait first ({@link #setsUpConnectionsAfterAccept}). While draining every request begun is not
 * keep-alive ({@link VertxKeepAliveInstrumentation}), so the Drainer first gives keep-alive clients their grace.
 * Reached by reflection: the agent does not depend on Vert.x.
 */
final class VertxHttpServerDrain extends AbstractFrameworkDrain {

  private static final String LOST = "Vert.x servers are not shut down by the drain; it waits for their connections"
      + " to close instead";
  /** Vert.x 5.0's; 5.1 adds {@code shutdown(Duration)} beside it. */
  private static final Internal SHUTDOWN = Internal.of("Vert.x", "io.vertx.core.http.HttpServer")
      .method("shutdown", long.class, TimeUnit.class).lost(LOST);
  private static final Internal IS_COMPLETE = Internal.of("Vert.x", "io.vertx.core.Future").method("isComplete")
      .lost(LOST);
  private static final Internal SUCCEEDED = Internal.of("Vert.x", "io.vertx.core.Future").method("succeeded")
      .lost(LOST);

  private final List<Object> servers = new CopyOnWriteArrayList<>();
  private final List<Object> shutdowns = new CopyOnWriteArrayList<>();
  private volatile boolean started;

  @Override
  public String name() {
    return "Vert.x";
  }

  /** An {@code io.vertx.core.http.impl.HttpServerImpl} was constructed. */
  void register(Object server) {
    servers.add(server);
  }

  @Override
  public boolean awaitsKeepAliveClients() {
    return true;
  }

  @Override
  public boolean setsUpConnectionsAfterAccept() {
    return true;
  }

  /** Starts every server's shutdown; returns at once (Vert.x shuts down on its event loops). */
  @Override
  public void startShutdown(long timeoutMillis) {
    started = true;
    for (Object server : servers) {
      try {
        shutdowns.add(SHUTDOWN.invoke(server, timeoutMillis, TimeUnit.MILLISECONDS));
      } catch (Throwable t) {
        failed("shutting down a Vert.x HttpServer", t);
      }
    }
  }

  /** True when every shutdown started has completed. */
  @Override
  public boolean isDone() {
    return allShutdowns(IS_COMPLETE);
  }

  /** Every server's shutdown started and succeeded. */
  @Override
  public boolean completedOwnPath() {
    return started && isDone() && allShutdowns(SUCCEEDED) && ownPath();
  }

  /** Whether {@code check} (a {@code Future}'s boolean getter) holds for every shutdown started. */
  private boolean allShutdowns(Internal check) {
    for (Object future : shutdowns) {
      try {
        if (!(boolean) check.invoke(future)) {
          return false;
        }
      } catch (Throwable t) {
        failed("watching a Vert.x HttpServer shutdown", t);
      }
    }
    return true;
  }
}
