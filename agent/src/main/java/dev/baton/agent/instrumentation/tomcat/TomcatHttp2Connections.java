package dev.baton.agent.instrumentation.tomcat;

import dev.baton.agent.reflect.Internal;
import java.util.Collection;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * HTTP/2's shutdown notice on the HTTP/2 connections of a Tomcat endpoint ({@code org.apache.coyote.http2
 * .Http2UpgradeHandler}, the upgrade handler of a connection that sent the HTTP/2 preface or {@code Upgrade:
 * h2c}): a GOAWAY with NO_ERROR and the last stream id 2^31-1 (RFC 9113, section 6.8), written as a bare frame
 * through the handler's own {@code writeGoAwayFrame}.
 *
 * <p>Why not Tomcat's own {@code Http2UpgradeHandler.pause()}, which sends the same frame: it also starts
 * Tomcat's second step, and at the first new stream one round trip (plus {@code Http2Protocol}'s
 * {@code drainTimeout}, 0 by default) later it sends the GOAWAY with the real last stream id and ignores that
 * stream. Under load the client sends that stream before it has read the first GOAWAY, milliseconds
 * later, and Vert.x's client fails it, as with Jetty's own two-step (with {@code pause()} as the notice, 6 of
 * ~970 requests failed over three reloads, "Stream was closed"; none with the bare frame). With the bare frame the
 * handler stays {@code CONNECTED} and serves every stream the client sends until it reads the notice; its
 * next streams go to a new connection, which the next generation accepts.
 *
 * <p>Without the notice, the first GOAWAY a client saw was the one {@code endpoint.stop()} sends (its
 * {@code pause()} reaches every connection's processor) right before it closes the connections: a stream the
 * client sent in between was lost ("Stream was closed", 8 of ~2,200 requests over three reloads).
 *
 * <p>Each connection is told once; the drain asks again while it waits for the stop, because a connection
 * accepted before the listener closed can turn HTTP/2 later (its preface, or a keep-alive connection's next
 * bytes, read after the notice): untold, its client kept sending streams on it until the stop closed it.
 * Reached by reflection: the agent does not depend on Tomcat.
 */
final class TomcatHttp2Connections {

  private static final String TOMCAT = "Tomcat";
  private static final String HTTP2_HANDLER = "org.apache.coyote.http2.Http2UpgradeHandler";
  private static final int LAST_POSSIBLE_STREAM = Integer.MAX_VALUE;
  private static final String LOST = "Tomcat's HTTP/2 connections get no shutdown notice before the connector stops";

  private static final Internal GET_CONNECTIONS = Internal.of(TOMCAT, "org.apache.tomcat.util.net.AbstractEndpoint")
      .method("getConnections").lost(LOST);
  private static final Internal CURRENT_PROCESSOR = Internal.of(TOMCAT, "org.apache.tomcat.util.net.SocketWrapperBase")
      .method("getCurrentProcessor").lost(LOST);
  private static final Internal UPGRADE_HANDLER = Internal.of(TOMCAT,
      "org.apache.coyote.http11.upgrade.UpgradeProcessorInternal").field("internalHttpUpgradeHandler").lost(LOST);
  private static final Internal CONNECTION_STATE = Internal.of(TOMCAT, HTTP2_HANDLER).field("connectionState")
      .lost(LOST);
  /** Invoked virtually: NIO2's {@code Http2AsyncUpgradeHandler} writes the frame its own way. */
  private static final Internal WRITE_GO_AWAY = Internal.of(TOMCAT, HTTP2_HANDLER)
      .method("writeGoAwayFrame", int.class, long.class, byte[].class).lost(LOST);

  /** The handlers already told, held weakly: a closed connection's handler is not kept. */
  private final Set<Object> told = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

  /**
   * Sends the notice on every HTTP/2 connection of {@code endpoint} not told yet; returns how many were told
   * now.
   */
  int sendShutdownNotice(Object endpoint) throws ReflectiveOperationException {
    ClassLoader loader = endpoint.getClass().getClassLoader();
    Class<?> upgradeProcessor = UPGRADE_HANDLER.type(loader);
    Class<?> http2Handler = CONNECTION_STATE.type(loader);
    int now = 0;
    for (Object socketWrapper : (Collection<?>) GET_CONNECTIONS.invoke(endpoint)) {
      Object processor = CURRENT_PROCESSOR.invoke(socketWrapper);
      // Only a connection upgraded to HTTP/2: not HTTP/1.1 or another upgrade (WebSocket).
      Object handler = upgradeProcessor.isInstance(processor) ? UPGRADE_HANDLER.get(processor) : null;
      if (http2Handler.isInstance(handler) && !told.contains(handler) && isConnected(handler) && told.add(handler)) {
        WRITE_GO_AWAY.invoke(handler, LAST_POSSIBLE_STREAM, 0L, null);
        now++;
      }
    }
    return now;
  }

  /**
   * Only a connection past its preface ({@code CONNECTED}): a GOAWAY before Tomcat's SETTINGS frame would break
   * the protocol, and one already {@code PAUSING} or closing has been told. A connection still {@code NEW}
   * (its preface not yet read) is told at a later call.
   */
  private static boolean isConnected(Object handler) throws ReflectiveOperationException {
    return "CONNECTED".equals(String.valueOf(((AtomicReference<?>) CONNECTION_STATE.get(handler)).get()));
  }
}
