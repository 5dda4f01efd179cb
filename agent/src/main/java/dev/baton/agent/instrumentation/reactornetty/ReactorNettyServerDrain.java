package dev.baton.agent.instrumentation.reactornetty;

import dev.baton.agent.drain.AbstractFrameworkDrain;
import dev.baton.agent.log.Log;
import dev.baton.agent.reflect.Internal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * Graceful stop of Reactor Netty servers ({@code reactor.netty.transport.ServerTransport$DisposableBind}, what
 * {@code HttpServer.bind} returns; Spring Boot WebFlux's {@code NettyWebServer} holds one).
 *
 * <p>Reactor Netty's own graceful stop, {@code disposeNow(timeout)}, cannot be used: it does nothing once the
 * server channel is closed ({@code isDisposed()} is {@code !channel().isActive()}), and the drain closes the
 * adopted listener first. So this drain does what {@code disposeNow} does with the server's channel group
 * (Spring Boot always configures one; a plain {@code HttpServer} has one only if given): it closes each
 * connection that has no request in progress ({@code ChannelOperations.get(channel) == null}), on the
 * connection's event loop so that the check and the close are not split by a request being read, and waits
 * for the others, whose responses carry {@code Connection: close} and end them
 * ({@link ReactorNettyKeepAliveInstrumentation}). It runs after the Drainer's keep-alive grace, so idle
 * keep-alive clients first had the time to send one more request and be told to close. Without a channel
 * group the connection-level drain waits for the application's connections instead. Reached by reflection:
 * the agent does not depend on Reactor Netty.
 */
final class ReactorNettyServerDrain extends AbstractFrameworkDrain {

  private static final long POLL_MILLIS = 10;
  /** How long stopping to accept waits for the server channel's close on its event loop. */
  private static final long CLOSE_WAIT_MILLIS = 500;
  private static final String REACTOR_NETTY = "Reactor Netty";
  private static final String NETTY = "Netty";
  private static final String DISPOSABLE = "reactor.netty.DisposableChannel";
  private static final String CHANNEL = "io.netty.channel.Channel";
  private static final String LOST = "Reactor Netty servers are not stopped by the drain; it waits for their"
      + " connections to close instead";

  /** Called through public interfaces: {@code DisposableBind} itself is package-private. */
  private static final Internal SERVER_CHANNEL = Internal.of(REACTOR_NETTY, DISPOSABLE).method("channel").lost(LOST);
  private static final Internal DISPOSE = Internal.of(REACTOR_NETTY, DISPOSABLE).method("dispose").lost(LOST);
  /** {@code DisposableBind}'s {@code TransportConfig}. */
  private static final Internal CONFIG = Internal.of(REACTOR_NETTY, "reactor.netty.transport.ServerTransport$DisposableBind")
      .field("config").lost(LOST);
  private static final Internal CHANNEL_GROUP = Internal.of(REACTOR_NETTY, "reactor.netty.transport.TransportConfig")
      .method("channelGroup").lost(LOST);
  private static final Internal OPERATIONS = Internal.of(REACTOR_NETTY, "reactor.netty.channel.ChannelOperations")
      .method("get", CHANNEL).lost(LOST);
  private static final Internal CLOSE_FUTURE = Internal.of(NETTY, CHANNEL).method("closeFuture").lost(LOST);
  private static final Internal IS_ACTIVE = Internal.of(NETTY, CHANNEL).method("isActive").lost(LOST);
  private static final Internal EVENT_LOOP = Internal.of(NETTY, CHANNEL).method("eventLoop").lost(LOST);
  private static final Internal CLOSE = Internal.of(NETTY, CHANNEL).method("close").lost(LOST);
  private static final Internal AWAIT = Internal.of(NETTY, "io.netty.util.concurrent.Future")
      .method("awaitUninterruptibly", long.class).lost(LOST);

  private final List<Object> servers = new CopyOnWriteArrayList<>();

  @Override
  public String name() {
    return REACTOR_NETTY;
  }

  /** A server was bound (a {@code DisposableBind} constructed). */
  void register(Object server) {
    if (servers.stream().noneMatch(known -> known == server)) {
      servers.add(server);
    }
  }

  /** Reactor Netty closes idle connections at once when stopped: give keep-alive clients their grace first. */
  @Override
  public boolean awaitsKeepAliveClients() {
    return !servers.isEmpty();
  }

  /**
   * {@code dispose()}: Netty closes the server channel on its own event loop, between two accepts, where a
   * listener closed under it by another thread can make Netty log a {@code ClosedChannelException}.
   */
  @Override
  public void stopAccepting() {
    for (Object server : servers) {
      try {
        Object channel = SERVER_CHANNEL.invoke(server);
        DISPOSE.invoke(server);
        AWAIT.invoke(CLOSE_FUTURE.invoke(channel), CLOSE_WAIT_MILLIS);
      } catch (Throwable t) {
        failed("closing a Reactor Netty server's channel", t);
      }
    }
  }

  @Override
  public void startShutdown(long timeoutMillis) {
    for (Object server : servers) {
      startStop("baton-reactor-netty-stop", () -> closeConnections(server, timeoutMillis));
    }
  }

  /** Closes the idle connections of the server's channel group until none is left or the time is up. */
  private void closeConnections(Object server, long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    try {
      Iterable<?> group = (Iterable<?>) CHANNEL_GROUP.invoke(CONFIG.get(server));
      if (group == null) {
        fellShort(); // nothing known of the connections: the connection-level drain waits for them
        return;
      }
      while (System.nanoTime() - deadline < 0) {
        List<Object> open = new ArrayList<>();
        group.forEach(open::add); // a ChannelGroup forgets closed channels by itself
        if (open.isEmpty()) {
          return;
        }
        for (Object channel : open) {
          if ((boolean) IS_ACTIVE.invoke(channel)) {
            ((Executor) EVENT_LOOP.invoke(channel)).execute(() -> closeIfIdle(server, channel));
          }
        }
        Thread.sleep(POLL_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      failed("closing a Reactor Netty server's connections", t);
    }
  }

  /** On the connection's event loop: closes it if no request is in progress on it. */
  private void closeIfIdle(Object server, Object channel) {
    try {
      if (OPERATIONS.invokeStatic(server.getClass().getClassLoader(), channel) == null) {
        CLOSE.invoke(channel);
      }
    } catch (Throwable t) {
      failed("closing an idle Reactor Netty connection", t);
    }
  }

  @Override
  public boolean setsUpConnectionsAfterAccept() {
    return !servers.isEmpty();
  }
}
