package dev.baton.agent.adopt;

import dev.baton.agent.adopt.NettyChannels;
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
  // SocketChannelImpl and NioSocketImpl keep Object's equals, Netty's AbstractChannel compares identity. Value: served yet.
  private final Map<Object, Boolean> connections = new WeakHashMap<>();

  public ConnectionTracker(JdkInternals jdk) {
    this.jdk = jdk;
  }

  /**
   * Adds a {@code SocketChannel}, a {@code java.net.Socket}'s {@code NioSocketImpl}, or a Netty
   * {@code Channel} (a connection of Netty's native epoll transport, which the JDK never sees).
   */
  public void add(Object connection) {
    synchronized (connections) {
      connections.put(connection, Boolean.FALSE);
    }
  }

  /**
   * Marks a connection as having had a response. A connection not yet served was accepted for a
   * request that may already be on its way: closing it would lose that request, so a drain waits for
   * it (bounded by the drain timeout) while idle keep-alive connections can be closed.
   */
  public void markServed(Object connection) {
    synchronized (connections) {
      connections.replace(connection, Boolean.TRUE);
    }
  }

  /** Counts the open connections that were never served. */
  public int unservedCount() {
    List<Object> snapshot;
    synchronized (connections) {
      snapshot = new ArrayList<>();
      for (Map.Entry<Object, Boolean> entry : connections.entrySet()) {
        if (!entry.getValue()) {
          snapshot.add(entry.getKey());
        }
      }
    }
    int unserved = 0;
    for (Object connection : snapshot) {
      if (isOpen(connection)) {
        unserved++;
      }
    }
    return unserved;
  }

  /**
   * Counts the open connections that the application's event loop has not taken over yet: non-blocking
   * frameworks (Netty, hence Vert.x; the JDK HttpServer) register each accepted {@code SocketChannel}
   * with a selector on their I/O thread, asynchronously after the accept. Until then the framework has
   * not set the connection up and, if it is shutting down meanwhile, may close it unread (Vert.x's
   * {@code ServerChannelLoadBalancer} closes a channel it has no worker for). Netty epoll connections
   * count until Netty registers them with their event loop. Connections of {@code java.net.Socket}s,
   * served by blocking threads, are never counted.
   */
  public int notHandedOverCount() {
    List<Object> snapshot;
    synchronized (connections) {
      snapshot = new ArrayList<>(connections.keySet());
    }
    int pending = 0;
    for (Object connection : snapshot) {
      if (connection instanceof SelectableChannel channel) {
        if (channel.isOpen() && !channel.isRegistered()) {
          pending++;
        }
      } else if (!(connection instanceof SocketImpl) && nettyNotRegistered(connection)) {
        pending++;
      }
    }
    return pending;
  }

  /** Counts the connections still open, forgetting the closed ones. */
  public int openCount() {
    List<Object> snapshot;
    synchronized (connections) {
      snapshot = new ArrayList<>(connections.keySet());
    }
    int open = 0;
    for (Object connection : snapshot) {
      if (isOpen(connection)) {
        open++;
      } else {
        synchronized (connections) {
          connections.remove(connection);
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
    List<Object> snapshot;
    synchronized (connections) {
      snapshot = new ArrayList<>(connections.keySet());
    }
    int notFinished = 0;
    for (Object connection : snapshot) {
      boolean finished = connection instanceof SocketChannel channel && channel.socket().isOutputShutdown();
      if (!finished && isOpen(connection)) {
        notFinished++;
      }
    }
    return notFinished;
  }

  private boolean isOpen(Object connection) {
    if (connection instanceof Channel channel) {
      return channel.isOpen();
    }
    try {
      return connection instanceof SocketImpl ? jdk.isOpenSocketImpl(connection) : NettyChannels.isOpen(connection);
    } catch (IOException | ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  private static boolean nettyNotRegistered(Object channel) {
    try {
      return NettyChannels.isOpen(channel) && !NettyChannels.isRegistered(channel);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
