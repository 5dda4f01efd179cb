package dev.baton.agent.instrumentation.tomcat;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
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

  private static final String HTTP2_HANDLER = "org.apache.coyote.http2.Http2UpgradeHandler";
  private static final String UPGRADE_PROCESSOR = "org.apache.coyote.http11.upgrade.UpgradeProcessorInternal";
  private static final int LAST_POSSIBLE_STREAM = Integer.MAX_VALUE;

  /** The handlers already told, held weakly: a closed connection's handler is not kept. */
  private final Set<Object> told = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
  /** Resolved once: the drain asks every 10 ms, for every connection. */
  private volatile Members members;

  /** Tomcat's members used here, from one class loader. */
  private record Members(ClassLoader loader, Method getConnections, Method currentProcessor,
      Class<?> upgradeProcessor, Field upgradeHandler, Class<?> http2Handler, Field connectionState,
      Method writeGoAway) {

    static Members of(ClassLoader loader) throws ReflectiveOperationException {
      Class<?> endpoint = Class.forName("org.apache.tomcat.util.net.AbstractEndpoint", false, loader);
      Class<?> socketWrapper = Class.forName("org.apache.tomcat.util.net.SocketWrapperBase", false, loader);
      Class<?> upgradeProcessor = Class.forName(UPGRADE_PROCESSOR, false, loader);
      Class<?> http2Handler = Class.forName(HTTP2_HANDLER, false, loader);
      Field upgradeHandler = upgradeProcessor.getDeclaredField("internalHttpUpgradeHandler");
      upgradeHandler.setAccessible(true);
      Field connectionState = http2Handler.getDeclaredField("connectionState");
      connectionState.setAccessible(true);
      // Invoked virtually: NIO2's Http2AsyncUpgradeHandler writes the frame its own way.
      Method writeGoAway = http2Handler.getDeclaredMethod("writeGoAwayFrame", int.class, long.class, byte[].class);
      writeGoAway.setAccessible(true);
      return new Members(loader, endpoint.getMethod("getConnections"), socketWrapper.getMethod("getCurrentProcessor"),
          upgradeProcessor, upgradeHandler, http2Handler, connectionState, writeGoAway);
    }
  }

  /**
   * Sends the notice on every HTTP/2 connection of {@code endpoint} not told yet; returns how many were told
   * now.
   */
  int sendShutdownNotice(Object endpoint) throws ReflectiveOperationException {
    Members tomcat = members(endpoint.getClass().getClassLoader());
    int now = 0;
    for (Object socketWrapper : (Collection<?>) tomcat.getConnections().invoke(endpoint)) {
      Object handler = http2Handler(tomcat, socketWrapper);
      if (handler != null && !told.contains(handler) && isConnected(tomcat, handler) && told.add(handler)) {
        tomcat.writeGoAway().invoke(handler, LAST_POSSIBLE_STREAM, 0L, null);
        now++;
      }
    }
    return now;
  }

  private Members members(ClassLoader loader) throws ReflectiveOperationException {
    Members resolved = members;
    if (resolved == null || resolved.loader() != loader) {
      members = resolved = Members.of(loader);
    }
    return resolved;
  }

  /** The connection's {@code Http2UpgradeHandler}, or null for HTTP/1.1 and other upgrades (WebSocket). */
  private static Object http2Handler(Members tomcat, Object socketWrapper) throws ReflectiveOperationException {
    Object processor = tomcat.currentProcessor().invoke(socketWrapper);
    if (!tomcat.upgradeProcessor().isInstance(processor)) {
      return null;
    }
    Object handler = tomcat.upgradeHandler().get(processor);
    return tomcat.http2Handler().isInstance(handler) ? handler : null;
  }

  /**
   * Only a connection past its preface ({@code CONNECTED}): a GOAWAY before Tomcat's SETTINGS frame would break
   * the protocol, and one already {@code PAUSING} or closing has been told. A connection still {@code NEW}
   * (its preface not yet read) is told at a later call.
   */
  private static boolean isConnected(Members tomcat, Object handler) throws ReflectiveOperationException {
    return "CONNECTED".equals(String.valueOf(((AtomicReference<?>) tomcat.connectionState().get(handler)).get()));
  }
}
