package dev.baton.agent.adopt;

import dev.baton.agent.bootstrap.JdkInternals;
import java.io.IOException;
import java.net.SocketImpl;
import java.nio.channels.Channel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The connections accepted on adopted listeners, so a drain can wait until the application has
 * finished with them. Weakly held: a connection the application dropped without closing is not waited
 * for forever.
 */
public final class ConnectionTracker {

  private final JdkInternals jdk;
  // SocketChannelImpl and NioSocketImpl keep Object's equals, as do the frameworks' channels: identity keys. The
  // value, for the JDK's own objects, whether the connection has been served (Boolean); for a framework's
  // object, the ForeignListener that accepted it (never served). No object per connection: this runs at every accept.
  private final Map<Object, Object> connections = new WeakHashMap<>();

  public ConnectionTracker(JdkInternals jdk) {
    this.jdk = jdk;
  }

  /**
   * Adds a {@code SocketChannel}, a {@code java.net.Socket}'s {@code NioSocketImpl}, or (with the {@link
   * ForeignListener} that accepted it) a framework's own object for a connection the JDK never sees.
   */
  public void add(Object connection, ForeignListener foreign) {
    synchronized (connections) {
      connections.put(connection, foreign == null ? Boolean.FALSE : foreign);
    }
  }

  /**
   * Marks a connection as having had a response. A connection not yet served was accepted for a
   * request that may already be on its way: closing it would lose that request, so a drain waits for
   * it (bounded by the drain timeout) while idle keep-alive connections can be closed.
   */
  public void markServed(Object connection) {
    synchronized (connections) {
      connections.replace(connection, Boolean.FALSE, Boolean.TRUE);
    }
  }

  /** Counts the open connections that were never served. */
  public int unservedCount() {
    int unserved = 0;
    for (Map.Entry<Object, Object> entry : snapshot()) {
      if (entry.getValue() != Boolean.TRUE && isOpen(entry.getKey(), entry.getValue())) {
        unserved++;
      }
    }
    return unserved;
  }

  /**
   * Counts the open connections that the application's event loop has not taken over yet: non-blocking
   * frameworks register each accepted {@code SocketChannel} with a selector on their I/O thread, asynchronously
   * after the accept. Until then the framework has not set the connection up and, if it is shutting down
   * meanwhile, may close it unread. A foreign listener's connections count until its framework says they are
   * handed over. Connections of {@code java.net.Socket}s, served by blocking threads, are never counted.
   */
  public int notHandedOverCount() {
    int pending = 0;
    for (Map.Entry<Object, Object> entry : snapshot()) {
      Object connection = entry.getKey();
      if (entry.getValue() instanceof ForeignListener foreign) {
        if (foreignNotHandedOver(foreign, connection)) {
          pending++;
        }
      } else if (connection instanceof SelectableChannel channel && channel.isOpen() && !channel.isRegistered()) {
        pending++;
      }
    }
    return pending;
  }

  /** Counts the connections still open, forgetting the closed ones. */
  public int openCount() {
    int open = 0;
    for (Map.Entry<Object, Object> entry : snapshot()) {
      if (isOpen(entry.getKey(), entry.getValue())) {
        open++;
      } else {
        synchronized (connections) {
          connections.remove(entry.getKey());
        }
      }
    }
    return open;
  }

  /**
   * Counts the open connections that can still carry a response: not those whose output the server has
   * shut down after its last response (Undertow does, then reads until the client closes, for up to
   * 10 s, so that a client still sending gets no reset). A drain need not give them a keep-alive grace.
   */
  public int notFinishedCount() {
    int notFinished = 0;
    for (Map.Entry<Object, Object> entry : snapshot()) {
      Object connection = entry.getKey();
      boolean finished = connection instanceof SocketChannel channel && channel.socket().isOutputShutdown();
      if (!finished && isOpen(connection, entry.getValue())) {
        notFinished++;
      }
    }
    return notFinished;
  }

  /** The connections held strongly while a count runs over them. */
  private List<Map.Entry<Object, Object>> snapshot() {
    synchronized (connections) {
      List<Map.Entry<Object, Object>> snapshot = new ArrayList<>(connections.size());
      for (Map.Entry<Object, Object> entry : connections.entrySet()) {
        Object connection = entry.getKey();
        if (connection != null) {
          snapshot.add(Map.entry(connection, entry.getValue()));
        }
      }
      return snapshot;
    }
  }

  private boolean isOpen(Object connection, Object tracked) {
    try {
      if (tracked instanceof ForeignListener foreign) {
        return foreign.isOpen(connection);
      }
      return connection instanceof Channel channel ? channel.isOpen()
          : connection instanceof SocketImpl && jdk.isOpenSocketImpl(connection);
    } catch (IOException | ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  private static boolean foreignNotHandedOver(ForeignListener foreign, Object connection) {
    try {
      return foreign.isOpen(connection) && !foreign.isHandedOver(connection);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
