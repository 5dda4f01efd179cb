package dev.baton.agent.instrumentation.jdkhttpserver;

import dev.baton.agent.adopt.ConnectionTracker;
import dev.baton.agent.bootstrap.JdkInternals;
import dev.baton.agent.drain.AbstractFrameworkDrain;
import dev.baton.agent.log.Log;
import dev.baton.agent.reflect.Internal;
import java.io.IOException;
import java.nio.channels.Channel;
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
 * {@code JdkHttpExchangeInstrumentation}), so a connection that served a request is closed by the server
 * right after its response, never while the client may be sending the next request on it.
 *
 * <p>"Idle" in the server's books is not idle on the wire: a keep-alive client's next request can sit
 * in the socket for as long as the server's one dispatcher thread has not selected it (it is busy, or
 * descheduled on a loaded machine). {@code stop(0)} would close such a connection with the request
 * unread, and the kernel answers a close with unread input with a reset. So a connection with unread
 * input counts as in flight until the dispatcher has read it.
 *
 * <p>The server's internals are read the way the running JDK build has them ({@link Internal}): Temurin 25 (and
 * some 17 builds) have {@code synchronized int getExchangeCount()}, Debian's 17.0.15 only the private field
 * {@code exchangeCount}, which the same monitor guards. A build lacking one of the counts loses only that count,
 * said once: the others still hold the stop back while a request is in flight.
 */
final class JdkHttpServerDrain extends AbstractFrameworkDrain {

  private static final long POLL_MILLIS = 10;
  private static final String SERVER = "sun.net.httpserver.ServerImpl";
  private static final String COUNTS_LOST = "the JDK HttpServer drain counts requests in flight without it";

  private static final Internal STOP = Internal.jdk(SERVER).method("stop", int.class)
      .lost("the JDK HttpServer is not stopped by the drain; it waits for its connections to close instead");
  private static final Internal EXCHANGE_COUNT = Internal.jdk(SERVER).method("getExchangeCount")
      .field("exchangeCount").lost(COUNTS_LOST);
  /** Connections whose request is being read. */
  private static final Internal REQUEST_CONNECTIONS = Internal.jdk(SERVER).field("reqConnections").lost(COUNTS_LOST);
  /** Connections whose request has been read and is being answered (before its exchange counts). */
  private static final Internal RESPONSE_CONNECTIONS = Internal.jdk(SERVER).field("rspConnections")
      .lost(COUNTS_LOST);
  private static final Internal ALL_CONNECTIONS = Internal.jdk(SERVER).field("allConnections")
      .lost("the JDK HttpServer drain cannot see requests left unread in their sockets, nor stop a server whose"
          + " counts leaked");
  private static final Internal CONNECTION_CHANNEL = Internal.jdk("sun.net.httpserver.HttpConnection").field("chan")
      .lost("the JDK HttpServer drain cannot see requests left unread in their sockets, nor connections not yet"
          + " served");
  private static final Internal EXCHANGE_CONNECTION = Internal.jdk("sun.net.httpserver.ExchangeImpl")
      .field("connection").lost("the JDK HttpServer drain cannot tell connections not yet served from idle ones");

  private final ConnectionTracker connections;
  private final JdkInternals jdk;
  private final List<Object> servers = new CopyOnWriteArrayList<>();
  private final List<Object> stopped = new CopyOnWriteArrayList<>();
  private int mostUnread; // only the stop thread polls
  private volatile boolean timedOut;

  JdkHttpServerDrain(ConnectionTracker connections, JdkInternals jdk) {
    this.connections = connections;
    this.jdk = jdk;
  }

  @Override
  public String name() {
    return "JDK HttpServer";
  }

  /** A ServerImpl was constructed. */
  void register(Object server) {
    servers.add(server);
  }

  /**
   * An exchange ({@code sun.net.httpserver.ExchangeImpl}) is answering on its connection: marks it served.
   * Never throws (it runs before every response): a failure is said once.
   */
  void responding(Object exchange) {
    if (!EXCHANGE_CONNECTION.isPresent(null) || !CONNECTION_CHANNEL.isPresent(null)) {
      return; // said once when looked up: connections are not marked served
    }
    try {
      Object connection = EXCHANGE_CONNECTION.get(exchange);
      if (connection != null) {
        connections.markServed(CONNECTION_CHANNEL.get(connection));
      }
    } catch (Throwable t) {
      Log.warnOnce("jdkhttpserver-served", "cannot mark the JDK HttpServer's connections served (" + t
          + "); the drain treats them as not yet served");
      fellShort();
    }
  }

  /** Its responses say {@code Connection: close} while draining: the Drainer gives keep-alive clients their grace. */
  @Override
  public boolean awaitsKeepAliveClients() {
    return true;
  }

  /** Stops each server once it has nothing in flight, on a thread of its own, polling every 10 ms. */
  @Override
  public void startShutdown(long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    startStop("baton-jdk-httpserver-stop", () -> {
      while (!stopIdleServers() && System.nanoTime() - deadline < 0 && !timedOut) {
        try {
          Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    });
  }

  /** Every server was stopped once idle, none by the drain's timeout, and nothing failed. */
  @Override
  public boolean completedOwnPath() {
    return super.completedOwnPath() && !timedOut && stopped.size() == servers.size();
  }

  /**
   * Stops every server that has nothing in flight: no exchange, no request being read or waiting to be
   * read (unread input on any of its connections), and no connection accepted but not served yet (its
   * request may be on its way).
   *
   * @return true when all servers are stopped
   */
  private synchronized boolean stopIdleServers() {
    boolean allStopped = true;
    boolean unserved = connections.unservedCount() > 0;
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
          STOP.invoke(server, 0);
          stopped.add(server);
        } else {
          allStopped = false;
        }
      } catch (Throwable t) {
        failed("draining JDK HttpServer", t);
        stopped.add(server);
      }
    }
    return allStopped;
  }

  /** The drain timed out: stops the servers still running, whatever they have in flight. */
  @Override
  public synchronized void stopNow() {
    timedOut = true;
    for (Object server : servers) {
      if (!stopped.contains(server)) {
        try {
          STOP.invoke(server, 0);
        } catch (Throwable t) {
          failed("stopping JDK HttpServer", t);
        }
        stopped.add(server);
      }
    }
  }

  private int inFlight(Object server) throws ReflectiveOperationException {
    if (!anyConnectionOpen(server)) {
      // The counts below leak when a client goes away mid-response (the exchange count is decremented
      // only after a complete response): with no connection open, nothing can be answered any more.
      return 0;
    }
    int exchanges = exchangeCount(server);
    // A request whose headers are being read is not an exchange yet; one read but not yet handed to its
    // handler has left reqConnections for rspConnections before its ExchangeImpl counts as an exchange.
    int reading = size(REQUEST_CONNECTIONS, server);
    int answering = size(RESPONSE_CONNECTIONS, server);
    if (exchanges + reading + answering > 0) {
      return exchanges + reading + answering; // no need to poll every socket yet
    }
    int unread = withUnreadInput(server);
    mostUnread = Math.max(mostUnread, unread);
    return unread;
  }

  /** The server's count of exchanges in flight, under the monitor {@code startExchange/endExchange} hold. */
  private static int exchangeCount(Object server) throws ReflectiveOperationException {
    if (!EXCHANGE_COUNT.isPresent(null)) {
      return 0;
    }
    synchronized (server) {
      return (Integer) EXCHANGE_COUNT.get(server);
    }
  }

  private static boolean anyConnectionOpen(Object server) throws ReflectiveOperationException {
    Collection<?> all = connectionsOf(server);
    if (all == null) {
      return true; // unknown: trust the counts
    }
    for (Object connection : all.toArray()) {
      if (CONNECTION_CHANNEL.get(connection) instanceof Channel channel && channel.isOpen()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Connections whose next request (or end of stream) waits in the socket, not yet read by the server; none known
   * when this JDK lacks what the check needs (said once).
   */
  private int withUnreadInput(Object server) throws ReflectiveOperationException {
    Collection<?> all = connectionsOf(server);
    if (!jdk.canPollForInput()) {
      return 0; // said once when looked up
    }
    // toArray: the JDK's synchronized set copies itself under its lock
    Object[] snapshot = all == null ? new Object[0] : all.toArray();
    int unread = 0;
    for (Object connection : snapshot) {
      Object channel = CONNECTION_CHANNEL.get(connection);
      try {
        if (channel != null && jdk.hasUnreadInput(channel)) {
          unread++;
        }
      } catch (IOException closedMeanwhile) {
        // nothing left to read on it
      }
    }
    return unread;
  }

  /** Every connection of the server, or null when this JDK's server has no such set (or its channel field). */
  private static Collection<?> connectionsOf(Object server) throws ReflectiveOperationException {
    if (!ALL_CONNECTIONS.isPresent(null) || !CONNECTION_CHANNEL.isPresent(null)) {
      return null;
    }
    Collection<?> all = (Collection<?>) ALL_CONNECTIONS.get(server);
    return all == null ? List.of() : all;
  }

  private static int size(Internal set, Object server) throws ReflectiveOperationException {
    Collection<?> value = set.isPresent(null) ? (Collection<?>) set.get(server) : null;
    return value == null ? 0 : value.size();
  }
}
