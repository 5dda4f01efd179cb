package dev.baton.agent.instrumentation.reactornetty;

import dev.baton.agent.Log;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
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
public final class ReactorNettyServerDrain implements FrameworkDrain {

  private static final long POLL_MILLIS = 10;
  /** How long stopping to accept waits for the server channel's close on its event loop. */
  private static final long CLOSE_WAIT_MILLIS = 500;

  private final List<Object> servers = new CopyOnWriteArrayList<>();
  private final StopThreads stops = new StopThreads();

  /** Hook target: a server was bound (a {@code DisposableBind} constructed). */
  public void register(Object server) {
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
        Object channel = type(server, "reactor.netty.DisposableChannel").getMethod("channel").invoke(server);
        type(server, "reactor.netty.DisposableChannel").getMethod("dispose").invoke(server);
        Object closed = type(server, "io.netty.channel.Channel").getMethod("closeFuture").invoke(channel);
        type(server, "io.netty.util.concurrent.Future").getMethod("awaitUninterruptibly", long.class)
            .invoke(closed, CLOSE_WAIT_MILLIS);
      } catch (Throwable t) {
        Log.error("closing a Reactor Netty server's channel", t);
      }
    }
  }

  @Override
  public void startShutdown(long timeoutMillis) {
    for (Object server : servers) {
      stops.start("baton-reactor-netty-stop", () -> closeConnections(server, timeoutMillis));
    }
  }

  /** Closes the idle connections of the server's channel group until none is left or the time is up. */
  private static void closeConnections(Object server, long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    try {
      Iterable<?> group = channelGroup(server);
      if (group == null) {
        return; // nothing known of the connections: the connection-level drain waits for them
      }
      Class<?> channelType = type(server, "io.netty.channel.Channel");
      Method isActive = channelType.getMethod("isActive");
      Method eventLoop = channelType.getMethod("eventLoop");
      Method close = channelType.getMethod("close");
      Method operations = type(server, "reactor.netty.channel.ChannelOperations").getMethod("get", channelType);
      while (System.nanoTime() - deadline < 0) {
        List<Object> open = new ArrayList<>();
        group.forEach(open::add); // a ChannelGroup forgets closed channels by itself
        if (open.isEmpty()) {
          return;
        }
        for (Object channel : open) {
          if ((boolean) isActive.invoke(channel)) {
            ((Executor) eventLoop.invoke(channel)).execute(() -> closeIfIdle(channel, operations, close));
          }
        }
        Thread.sleep(POLL_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      Log.error("closing a Reactor Netty server's connections", t);
    }
  }

  /** On the connection's event loop: closes it if no request is in progress on it. */
  private static void closeIfIdle(Object channel, Method operations, Method close) {
    try {
      if (operations.invoke(null, channel) == null) {
        close.invoke(channel);
      }
    } catch (Throwable t) {
      Log.error("closing an idle Reactor Netty connection", t);
    }
  }

  /** {@code server.config.channelGroup()}, or null when the server has none. */
  private static Iterable<?> channelGroup(Object server) throws ReflectiveOperationException {
    Field config = null;
    for (Class<?> type = server.getClass(); type != null && config == null; type = type.getSuperclass()) {
      try {
        config = type.getDeclaredField("config");
      } catch (NoSuchFieldException absent) {
        // keep looking
      }
    }
    if (config == null) {
      return null;
    }
    config.setAccessible(true);
    Object transportConfig = config.get(server);
    return (Iterable<?>) type(server, "reactor.netty.transport.TransportConfig").getMethod("channelGroup")
        .invoke(transportConfig);
  }

  /**
   * A public Reactor Netty or Netty type, seen from the server's class loader: methods are called through
   * public interfaces, since {@code DisposableBind} itself is package-private.
   */
  private static Class<?> type(Object server, String name) throws ClassNotFoundException {
    return Class.forName(name, false, server.getClass().getClassLoader());
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
