package dev.baton.agent.drain;

import dev.baton.agent.Log;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Graceful stop of the JDK's {@code com.sun.net.httpserver.HttpServer} ({@code sun.net.httpserver.ServerImpl}).
 *
 * <p>{@code HttpServer.stop(delay)} would do, but on 17.0.15 it waits the full delay even when no
 * exchange is in flight (JDK-8304065). So the drain watches the server's own exchange count and calls
 * {@code stop(0)} once nothing is in flight; {@code stop(0)} then closes the idle keep-alive
 * connections. While draining every response carries {@code Connection: close} (see
 * {@code JdkHttpServerInstrumentation}), so a connection that served a request is closed by the server
 * right after its response, never while the client may be sending the next request on it.
 */
public final class JdkHttpServerDrain {

  private final ConnectionTracker connections;
  private final List<Object> servers = new CopyOnWriteArrayList<>();
  private final List<Object> stopped = new CopyOnWriteArrayList<>();
  private volatile Method exchangeCount;
  private volatile Field requestConnections;
  private volatile Method stop;
  private volatile Field exchangeConnection;
  private volatile Field connectionChannel;

  public JdkHttpServerDrain(ConnectionTracker connections) {
    this.connections = connections;
  }

  /** Hook target: an exchange ({@code sun.net.httpserver.ExchangeImpl}) is answering on its connection. */
  public void responding(Object exchange) throws ReflectiveOperationException {
    if (connectionChannel == null) {
      Field connection = exchange.getClass().getDeclaredField("connection");
      connection.setAccessible(true);
      Field channel = connection.getType().getDeclaredField("chan");
      channel.setAccessible(true);
      exchangeConnection = connection;
      connectionChannel = channel;
    }
    Object connection = exchangeConnection.get(exchange);
    if (connection != null) {
      connections.markServed(connectionChannel.get(connection));
    }
  }

  /** Hook target: a ServerImpl was constructed. */
  public void register(Object server) {
    servers.add(server);
  }

  public boolean isEmpty() {
    return servers.isEmpty();
  }

  /**
   * Stops every server that has nothing in flight: no exchange, no request being read, and no
   * connection accepted but not served yet (its request may be in the socket buffer already).
   *
   * @return true when all servers are stopped
   */
  public boolean stopIdleServers() {
    boolean allStopped = true;
    boolean unserved = !servers.isEmpty() && connections.unservedCount() > 0;
    for (Object server : servers) {
      if (stopped.contains(server)) {
        continue;
      }
      try {
        if (!unserved && inFlight(server) == 0) {
          stop(server);
          stopped.add(server);
        } else {
          allStopped = false;
        }
      } catch (Throwable t) {
        Log.error("draining JDK HttpServer", t);
        stopped.add(server);
      }
    }
    return allStopped;
  }

  /** Stops the servers still running, whatever they have in flight (the drain timed out). */
  public void stopAll() {
    for (Object server : servers) {
      if (!stopped.contains(server)) {
        try {
          stop(server);
        } catch (Throwable t) {
          Log.error("stopping JDK HttpServer", t);
        }
        stopped.add(server);
      }
    }
  }

  private int inFlight(Object server) throws ReflectiveOperationException {
    resolve(server.getClass());
    int exchanges = (int) exchangeCount.invoke(server);
    // A request whose headers are being read is not an exchange yet, but its client is waiting.
    Collection<?> reading = requestConnections == null ? List.of() : (Collection<?>) requestConnections.get(server);
    return exchanges + (reading == null ? 0 : reading.size());
  }

  private void stop(Object server) throws ReflectiveOperationException {
    resolve(server.getClass());
    stop.invoke(server, 0);
  }

  private void resolve(Class<?> serverImpl) throws ReflectiveOperationException {
    if (stop != null) {
      return;
    }
    Method count = serverImpl.getDeclaredMethod("getExchangeCount");
    count.setAccessible(true);
    Field reading = null;
    try {
      reading = serverImpl.getDeclaredField("reqConnections");
      reading.setAccessible(true);
    } catch (NoSuchFieldException absent) {
      // Older or newer ServerImpl: the exchange count alone still covers requests being handled.
    }
    Method stopMethod = serverImpl.getDeclaredMethod("stop", int.class);
    stopMethod.setAccessible(true);
    exchangeCount = count;
    requestConnections = reading;
    stop = stopMethod;
  }
}
