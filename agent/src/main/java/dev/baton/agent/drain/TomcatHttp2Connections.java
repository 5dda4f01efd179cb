package dev.baton.agent.drain;

import dev.baton.agent.Log;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Collection;
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
 * Reached by reflection: the agent does not depend on Tomcat.
 */
final class TomcatHttp2Connections {

  private static final String HTTP2_HANDLER = "org.apache.coyote.http2.Http2UpgradeHandler";
  private static final String UPGRADE_PROCESSOR = "org.apache.coyote.http11.upgrade.UpgradeProcessorInternal";
  private static final int LAST_POSSIBLE_STREAM = Integer.MAX_VALUE;

  private TomcatHttp2Connections() {}

  /** Sends the notice on every HTTP/2 connection of {@code endpoint}; returns how many were told. */
  static int sendShutdownNotice(Object endpoint) throws ReflectiveOperationException {
    int told = 0;
    Collection<?> connections = (Collection<?>) endpoint.getClass().getMethod("getConnections").invoke(endpoint);
    for (Object socketWrapper : connections) {
      Object handler = http2Handler(socketWrapper);
      if (handler != null && isConnected(handler)) {
        Method write = declared(handler, "writeGoAwayFrame", int.class, long.class, byte[].class);
        write.invoke(handler, LAST_POSSIBLE_STREAM, 0L, null);
        told++;
      }
    }
    return told;
  }

  /** The connection's {@code Http2UpgradeHandler}, or null for HTTP/1.1 and other upgrades (WebSocket). */
  private static Object http2Handler(Object socketWrapper) throws ReflectiveOperationException {
    Object processor = socketWrapper.getClass().getMethod("getCurrentProcessor").invoke(socketWrapper);
    Class<?> upgradeProcessor = typeNamed(processor, UPGRADE_PROCESSOR);
    if (upgradeProcessor == null) {
      return null;
    }
    Field handlerField = upgradeProcessor.getDeclaredField("internalHttpUpgradeHandler");
    handlerField.setAccessible(true);
    Object handler = handlerField.get(processor);
    return typeNamed(handler, HTTP2_HANDLER) == null ? null : handler;
  }

  /**
   * Only a connection past its preface ({@code CONNECTED}): a GOAWAY before Tomcat's SETTINGS frame would break
   * the protocol, and one already {@code PAUSING} or closing has been told. A connection still {@code NEW}
   * (its preface not yet read) is left to {@code endpoint.stop()}, which waits for its first stream if one is
   * being served and then closes it as Tomcat does.
   */
  private static boolean isConnected(Object handler) throws ReflectiveOperationException {
    Field state = typeNamed(handler, HTTP2_HANDLER).getDeclaredField("connectionState");
    state.setAccessible(true);
    return "CONNECTED".equals(String.valueOf(((AtomicReference<?>) state.get(handler)).get()));
  }

  private static Method declared(Object handler, String name, Class<?>... parameters) throws NoSuchMethodException {
    Method method = typeNamed(handler, HTTP2_HANDLER).getDeclaredMethod(name, parameters);
    method.setAccessible(true);
    return method; // invoked virtually: NIO2's Http2AsyncUpgradeHandler writes it its own way
  }

  /** The class named {@code name} among {@code object}'s class and superclasses, or null. */
  private static Class<?> typeNamed(Object object, String name) {
    for (Class<?> type = object == null ? null : object.getClass(); type != null; type = type.getSuperclass()) {
      if (type.getName().equals(name)) {
        return type;
      }
    }
    return null;
  }
}
