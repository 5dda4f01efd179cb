package dev.baton.agent.instrumentation.jetty;

import dev.baton.agent.drain.AbstractFrameworkDrain;
import dev.baton.agent.log.Log;
import dev.baton.agent.reflect.Internal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The HTTP/2 sessions of a Jetty 12 {@code Server} ({@code org.eclipse.jetty.http2.HTTP2Session}, one per
 * connection whose {@code Connection} is an {@code HTTP2Connection}: h2c, and h2 behind an {@code SslConnection}),
 * drained like Netty's: the
 * shutdown notice first, the session's own graceful close a keep-alive grace later, the close once its
 * streams are done.
 *
 * <p>Why Jetty's own stop is not enough: the connector's {@code Graceful.shutdown()} gives every connection
 * the connector's {@code shutdownIdleTimeout} (1 s), and an HTTP/2 session that has read and written
 * nothing for that long, even with a stream being handled, is taken as idle and reset (RST_STREAM CANCEL on
 * a 2 s request); and {@code HTTP2Session.shutdown()}, which {@code Server.stop()} calls, sends the GOAWAY
 * with the real last stream id as soon as no stream is open, a few milliseconds after its graceful one under
 * load, racing the requests the clients are sending. So the HTTP/2 connections keep the connector's idle
 * timeout, the notice is a bare GOAWAY frame that leaves Jetty's session state alone (the session keeps
 * accepting the streams the client sends until it reads it), and {@code shutdown()} comes after the grace.
 * Jetty's session then waits for the client's own GOAWAY or for the idle timeout before it closes; clients
 * such as Vert.x's send neither, so once a session has no stream left its connection gets the connector's
 * {@code shutdownIdleTimeout}, which closes it through Jetty's idle path (GOAWAY already sent, no stream to
 * reset). A connection that turns HTTP/2 after the notice went out (accepted before the listener closed, its
 * preface or ALPN done since) gets the connector's idle timeout back and the notice at the drain's next poll, and
 * its graceful close comes no sooner than {@link #NOTICE_BEFORE_CLOSE_MILLIS} after that: with the connector's
 * {@code shutdownIdleTimeout} it was reset as idle, its first GOAWAY Jetty's with the real last stream id.
 * Reached by reflection: the agent does not depend on Jetty.
 */
final class JettyHttp2Sessions {

  /** Used when the application set the connector's shutdownIdleTimeout to 0 or less (no idle close at all). */
  private static final long FALLBACK_CLOSE_IDLE_MILLIS = 1_000;
  private static final long POLL_MILLIS = 10;
  /**
   * The least time between a session's notice and its graceful close, for a connection that turned HTTP/2 after
   * the drain began (its notice comes late); the others had the keep-alive grace. Far more than a round trip.
   */
  private static final long NOTICE_BEFORE_CLOSE_MILLIS = 1_000;
  private static final String JETTY = "Jetty";
  private static final String CONNECTOR = "org.eclipse.jetty.server.Connector";
  private static final String END_POINT = "org.eclipse.jetty.io.EndPoint";
  private static final String SESSION = "org.eclipse.jetty.http2.HTTP2Session";
  private static final String LOST = "Jetty's HTTP/2 connections get no shutdown notice and are left to Jetty's own"
      + " stop, which may reset streams in flight";

  private static final Internal GET_CONNECTORS = Internal.of(JETTY, "org.eclipse.jetty.server.Server")
      .method("getConnectors").lost(LOST);
  private static final Internal CONNECTED_END_POINTS = Internal.of(JETTY, CONNECTOR).method("getConnectedEndPoints")
      .lost(LOST);
  private static final Internal CONNECTOR_IDLE_TIMEOUT = Internal.of(JETTY, CONNECTOR).method("getIdleTimeout")
      .lost(LOST);
  private static final Internal SHUTDOWN_IDLE_TIMEOUT = Internal.of(JETTY, "org.eclipse.jetty.server.AbstractConnector")
      .method("getShutdownIdleTimeout").lost(LOST);
  private static final Internal END_POINT_CONNECTION = Internal.of(JETTY, END_POINT).method("getConnection").lost(LOST);
  private static final Internal END_POINT_IS_OPEN = Internal.of(JETTY, END_POINT).method("isOpen").lost(LOST);
  private static final Internal END_POINT_IDLE_TIMEOUT = Internal.of(JETTY, END_POINT).method("getIdleTimeout")
      .lost(LOST);
  private static final Internal SET_END_POINT_IDLE_TIMEOUT = Internal.of(JETTY, END_POINT)
      .method("setIdleTimeout", long.class).lost(LOST);
  private static final Internal SSL_END_POINT = Internal.of(JETTY, "org.eclipse.jetty.io.ssl.SslConnection")
      .method("getSslEndPoint").lost(LOST);
  private static final Internal CONNECTION_SESSION = Internal.of(JETTY, "org.eclipse.jetty.http2.HTTP2Connection")
      .method("getSession").lost(LOST);
  private static final Internal SESSION_SHUTDOWN = Internal.of(JETTY, SESSION).method("shutdown").lost(LOST);
  private static final Internal SESSION_STREAM_COUNT = Internal.of(JETTY, SESSION).method("getStreamCount").lost(LOST);
  private static final Internal SESSION_BYTES_WRITTEN = Internal.of(JETTY, SESSION).method("getBytesWritten")
      .lost(LOST);
  private static final Internal SESSION_FRAMES = Internal.of(JETTY, SESSION)
      .method("frames", "org.eclipse.jetty.http2.HTTP2Stream", List.class, "org.eclipse.jetty.util.Callback").lost(LOST);
  private static final Internal NO_CALLBACK = Internal.of(JETTY, "org.eclipse.jetty.util.Callback").field("NOOP")
      .lost(LOST);
  private static final Internal GRACEFUL_GO_AWAY = Internal.of(JETTY, "org.eclipse.jetty.http2.frames.GoAwayFrame")
      .field("GRACEFUL").lost(LOST);

  private final Object server;
  /** The drain this belongs to, told of every failure. */
  private final AbstractFrameworkDrain drain;
  private final Class<?> http2Connection;
  private final Class<?> sslConnection;
  private final Class<?> abstractConnector;
  /** When each session was told ({@link System#nanoTime()}), held weakly: a closed connection's is not kept. */
  private final Map<Object, Long> told = Collections.synchronizedMap(new WeakHashMap<>());

  private JettyHttp2Sessions(Object server, ClassLoader loader, AbstractFrameworkDrain drain) {
    this.server = server;
    this.drain = drain;
    http2Connection = CONNECTION_SESSION.type(loader);
    sslConnection = SSL_END_POINT.type(loader);
    abstractConnector = SHUTDOWN_IDLE_TIMEOUT.type(loader);
  }

  /** The HTTP/2 side of {@code server}, or null when Jetty's HTTP/2 is not on the application's class path. */
  static JettyHttp2Sessions of(Object server, AbstractFrameworkDrain drain) {
    ClassLoader loader = server.getClass().getClassLoader();
    try {
      Class.forName(SESSION, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      return null; // jetty-http2-server absent: HTTP/1 only
    }
    try {
      return new JettyHttp2Sessions(server, loader, drain);
    } catch (Throwable t) {
      drain.failed("finding Jetty's HTTP/2 classes", t);
      return null;
    }
  }

  /** An open connection speaking HTTP/2, its connector and its session. */
  private record Http2EndPoint(Object connector, Object endPoint, Object session) {}

  private List<Http2EndPoint> open() throws ReflectiveOperationException {
    List<Http2EndPoint> open = new ArrayList<>();
    for (Object connector : (Object[]) GET_CONNECTORS.invoke(server)) {
      for (Object endPoint : (Collection<?>) CONNECTED_END_POINTS.invoke(connector)) {
        Object connection = END_POINT_CONNECTION.invoke(endPoint);
        // Over TLS (h2 negotiated by ALPN) the network end point's connection is the SslConnection, and HTTP/2's
        // connection is the one on its decrypted end point. The idle timeout stays the network end point's: the
        // decrypted one reads and writes its idle timeout through to it.
        while (sslConnection.isInstance(connection)) {
          connection = END_POINT_CONNECTION.invoke(SSL_END_POINT.invoke(connection));
        }
        if (http2Connection.isInstance(connection) && (boolean) END_POINT_IS_OPEN.invoke(endPoint)) {
          open.add(new Http2EndPoint(connector, endPoint, CONNECTION_SESSION.invoke(connection)));
        }
      }
    }
    return open;
  }

  /** True while a connection of this server speaks HTTP/2. */
  boolean anyOpen() {
    try {
      return !open().isEmpty();
    } catch (Throwable t) {
      drain.failed("listing Jetty's HTTP/2 connections", t);
      return false;
    }
  }

  /**
   * Gives the HTTP/2 connections back the connector's idle timeout, which the connector's
   * {@code Graceful.shutdown()} has just cut to its {@code shutdownIdleTimeout}: a session with a stream in
   * flight that writes nothing for that long would be reset as idle.
   */
  void keepIdleTimeout() {
    try {
      for (Http2EndPoint open : open()) {
        setIdleTimeout(open.endPoint(), (long) CONNECTOR_IDLE_TIMEOUT.invoke(open.connector()));
      }
    } catch (Throwable t) {
      drain.failed("restoring the idle timeout of Jetty's HTTP/2 connections", t);
    }
  }

  /**
   * HTTP/2's shutdown notice (RFC 9113, section 6.8: GOAWAY, NO_ERROR, last stream 2^31-1) on every session not
   * told yet, written as a bare frame: Jetty's session state is left alone, so the streams the client sends until
   * it reads the notice are served, and no GOAWAY with the real last stream id follows yet. Called again at each
   * poll of the keep-alive grace, for the connections that turn HTTP/2 meanwhile.
   */
  void sendShutdownNotice() {
    try {
      tellNew(open());
    } catch (Throwable t) {
      drain.failed("sending GOAWAY on Jetty's HTTP/2 connections", t);
    }
  }

  /**
   * The notice on each of {@code open} not told yet whose server preface went out (a GOAWAY before Jetty's
   * SETTINGS frame would break the protocol; such a session is told at a later call), its idle timeout the
   * connector's again: the connector's shutdown cut it to {@code shutdownIdleTimeout} while the connection
   * was not HTTP/2 yet.
   */
  private void tellNew(List<Http2EndPoint> open) throws ReflectiveOperationException {
    int now = 0;
    for (Http2EndPoint connection : open) {
      if (!told.containsKey(connection.session()) && (long) SESSION_BYTES_WRITTEN.invoke(connection.session()) > 0) {
        setIdleTimeout(connection.endPoint(), (long) CONNECTOR_IDLE_TIMEOUT.invoke(connection.connector()));
        sessionFrames(connection.session());
        told.put(connection.session(), System.nanoTime());
        now++;
      }
    }
    if (now > 0) {
      Log.info("sent GOAWAY (NO_ERROR, last stream " + Integer.MAX_VALUE + ") on " + now
          + " Jetty HTTP/2 connection(s): their clients open new streams on new connections");
    }
  }

  /**
   * Jetty's graceful close of every session told {@link #NOTICE_BEFORE_CLOSE_MILLIS} ago ({@code
   * HTTP2Session.shutdown()}: GOAWAY 2^31-1 again, harmless, then the GOAWAY with the real last stream id once no
   * stream is open; a session told late waits, with the connector's idle timeout), then each connection with no stream
   * left is closed through the connector's {@code shutdownIdleTimeout}. Blocks until no connection speaks
   * HTTP/2 or the deadline ({@link System#nanoTime()}) passes.
   */
  void closeWhenStreamsDone(long deadline) {
    try {
      List<Http2EndPoint> open = open();
      while (!open.isEmpty() && System.nanoTime() - deadline < 0) {
        tellNew(open);
        long now = System.nanoTime();
        for (Http2EndPoint connection : open) {
          Long noticed = told.get(connection.session());
          if (noticed == null || now - noticed < NOTICE_BEFORE_CLOSE_MILLIS * 1_000_000) {
            continue; // told late, or not yet: its client gets the time to read the notice first
          }
          SESSION_SHUTDOWN.invoke(connection.session()); // the same future after the first call
          // A stream may still start on a session with none (the client had not read the GOAWAY yet): it then
          // gets the long idle timeout back, and the short one once it is done.
          boolean streamsDone = (int) SESSION_STREAM_COUNT.invoke(connection.session()) == 0;
          setIdleTimeout(connection.endPoint(), streamsDone
              ? closeIdleTimeout(connection.connector())
              : (long) CONNECTOR_IDLE_TIMEOUT.invoke(connection.connector()));
        }
        Thread.sleep(POLL_MILLIS);
        open = open();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      drain.failed("closing Jetty's HTTP/2 sessions", t);
    }
  }

  /** The bare GOAWAY frame through the session's own frame writer. */
  private static void sessionFrames(Object session) throws ReflectiveOperationException {
    ClassLoader loader = session.getClass().getClassLoader();
    SESSION_FRAMES.invoke(session, null, List.of(GRACEFUL_GO_AWAY.getStatic(loader)), NO_CALLBACK.getStatic(loader));
  }

  private long closeIdleTimeout(Object connector) throws ReflectiveOperationException {
    long idle = abstractConnector.isInstance(connector) ? (long) SHUTDOWN_IDLE_TIMEOUT.invoke(connector) : 0;
    return idle > 0 ? idle : FALLBACK_CLOSE_IDLE_MILLIS;
  }

  private void setIdleTimeout(Object endPoint, long millis) throws ReflectiveOperationException {
    // Only on a change: Jetty reschedules the idle check at each call.
    if ((long) END_POINT_IDLE_TIMEOUT.invoke(endPoint) != millis) {
      SET_END_POINT_IDLE_TIMEOUT.invoke(endPoint, millis);
    }
  }
}
