package dev.baton.agent.instrumentation.jdkhttpserver;

import dev.baton.agent.Log;
import dev.baton.agent.bootstrap.JdkInternals;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Graceful stop of the JDK's {@code com.sun.net.httpserver.HttpServer} ({@code sun.net.httpserver.ServerImpl}).
 *
 * <p>{@code HttpServer.stop(delay)} would do, but on 17.0.15 it waits the full delay even when no
 * exchange is in flight (JDK-8304065). So the drain watches the server's own bookkeeping and calls
 * {@code stop(0)} once nothing is in flight; {@code stop(0)} then closes the idle keep-alive
 * connections. While draining every response carries {@code Connection: close} (see
 * {@code JdkHttpServerInstrumentation}), so a connection that served a request is closed by the server
 * right after its response, never while the client may be sending the next request on it.
 *
 * <p>"Idle" in the server's books is not idle on the wire: a keep-alive client's next request can sit
 * in the socket for as long as the server's one dispatcher thread has not selected it (it is busy, or
 * descheduled on a loaded machine). {@code stop(0)} would close such a connection with the request
 * unread, and the kernel answers a close with unread input with a reset. So a connection with unread
 * input counts as in flight until the dispatcher has read it.
 */
public final class JdkHttpServerDrain {

  private final ConnectionTracker connections;
  private final JdkInternals jdk;
  private final List<Object> servers = new CopyOnWriteArrayList<>();
  private final List<Object> stopped = new CopyOnWriteArrayList<>();
  /** How this JDK build exposes the number of exchanges in flight; null until the first drain resolves it. */
  private volatile ExchangeCount exchangeCount;
  private volatile Field requestConnections;
  private volatile Field responseConnections;
  private volatile Field allConnections;
  private volatile Field httpConnectionChannel;
  private int mostUnread; // only the drain thread polls
  private volatile Method stop;
  private volatile Field exchangeConnection;
  private volatile Field connectionChannel;

  public JdkHttpServerDrain(ConnectionTracker connections, JdkInternals jdk) {
    this.connections = connections;
    this.jdk = jdk;
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
   * Stops every server that has nothing in flight: no exchange, no request being read or waiting to be
   * read (unread input on any of its connections), and no connection accepted but not served yet (its
   * request may be on its way).
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
          if (mostUnread > 0) {
            Log.info("JDK HttpServer: waited for up to " + mostUnread
                + " request(s) left unread in their sockets by its dispatcher before stopping it");
          }
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
    if (!anyConnectionOpen(server)) {
      // The counts below leak when a client goes away mid-response (the exchange count is decremented
      // only after a complete response): with no connection open, nothing can be answered any more.
      return 0;
    }
    int exchanges = exchangeCount.of(server);
    // A request whose headers are being read is not an exchange yet; one read but not yet handed to its
    // handler has left reqConnections for rspConnections before its ExchangeImpl counts as an exchange.
    int reading = size(requestConnections, server);
    int answering = size(responseConnections, server);
    if (exchanges + reading + answering > 0) {
      return exchanges + reading + answering; // no need to poll every socket yet
    }
    int unread = withUnreadInput(server);
    mostUnread = Math.max(mostUnread, unread);
    return unread;
  }

  private boolean anyConnectionOpen(Object server) throws ReflectiveOperationException {
    if (allConnections == null || httpConnectionChannel == null) {
      return true; // unknown: trust the counts
    }
    Collection<?> all = (Collection<?>) allConnections.get(server);
    for (Object connection : all == null ? new Object[0] : all.toArray()) {
      if (httpConnectionChannel.get(connection) instanceof java.nio.channels.Channel channel && channel.isOpen()) {
        return true;
      }
    }
    return false;
  }

  /** Connections whose next request (or end of stream) waits in the socket, not yet read by the server. */
  private int withUnreadInput(Object server) throws ReflectiveOperationException {
    if (allConnections == null || httpConnectionChannel == null) {
      return 0;
    }
    Collection<?> all = (Collection<?>) allConnections.get(server);
    // toArray: the JDK's synchronized set copies itself under its lock
    Object[] snapshot = all == null ? new Object[0] : all.toArray();
    int unread = 0;
    for (Object connection : snapshot) {
      Object channel = httpConnectionChannel.get(connection);
      try {
        if (channel != null && jdk.hasUnreadInput(channel)) {
          unread++;
        }
      } catch (java.io.IOException closedMeanwhile) {
        // nothing left to read on it
      }
    }
    return unread;
  }

  private static int size(Field set, Object server) throws IllegalAccessException {
    Collection<?> value = set == null ? null : (Collection<?>) set.get(server);
    return value == null ? 0 : value.size();
  }

  private void stop(Object server) throws ReflectiveOperationException {
    resolve(server.getClass());
    stop.invoke(server, 0);
  }

  private void resolve(Class<?> serverImpl) throws ReflectiveOperationException {
    if (stop != null) {
      return;
    }
    ExchangeCount count = ExchangeCount.resolve(serverImpl);
    // Older or newer ServerImpls may lack some of these: the exchange count alone still covers requests
    // being handled.
    requestConnections = optionalField(serverImpl, "reqConnections");
    responseConnections = optionalField(serverImpl, "rspConnections");
    allConnections = optionalField(serverImpl, "allConnections");
    try {
      Class<?> httpConnection = Class.forName("sun.net.httpserver.HttpConnection", false, serverImpl.getClassLoader());
      httpConnectionChannel = optionalField(httpConnection, "chan");
    } catch (ClassNotFoundException absent) {
      httpConnectionChannel = null;
    }
    Method stopMethod = serverImpl.getDeclaredMethod("stop", int.class);
    stopMethod.setAccessible(true);
    exchangeCount = count;
    stop = stopMethod;
  }

  /**
   * The server's count of exchanges in flight, read the way the running JDK build allows: Temurin 25
   * (and some 17 builds) have {@code synchronized int getExchangeCount()}; Debian's 17.0.15 has only the
   * private field {@code exchangeCount}, which the same monitor guards. A build with neither loses only
   * this count, said once: the connections being read or answered ({@code reqConnections},
   * {@code rspConnections}) and unread input still hold the stop back while a request is in flight.
   */
  private interface ExchangeCount {
    int of(Object server) throws ReflectiveOperationException;

    static ExchangeCount resolve(Class<?> serverImpl) {
      try {
        Method method = serverImpl.getDeclaredMethod("getExchangeCount");
        method.setAccessible(true);
        return server -> (int) method.invoke(server);
      } catch (NoSuchMethodException absent) {
        // an older build: the field below
      }
      Field field = optionalField(serverImpl, "exchangeCount");
      if (field != null && field.getType() == int.class) {
        return server -> {
          synchronized (server) { // the monitor ServerImpl's startExchange/endExchange hold
            return field.getInt(server);
          }
        };
      }
      Log.warn("JDK " + System.getProperty("java.runtime.version") + ": sun.net.httpserver.ServerImpl has neither"
          + " getExchangeCount() nor exchangeCount; the JDK HttpServer drain counts requests by their connections only");
      return server -> 0;
    }
  }

  private static Field optionalField(Class<?> type, String name) {
    try {
      Field field = type.getDeclaredField(name);
      field.setAccessible(true);
      return field;
    } catch (NoSuchFieldException absent) {
      return null;
    }
  }
}
