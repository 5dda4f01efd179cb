package dev.baton.agent.instrumentation.netty;

import dev.baton.agent.Log;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.Executor;

/**
 * HTTP/2's shutdown notice on every server-side HTTP/2 connection of Netty's codec
 * ({@code io.netty.handler.codec.http2.Http2ConnectionHandler}: Vert.x, Reactor Netty, plain Netty) when the
 * drain begins: a GOAWAY with NO_ERROR and the last stream id 2^31-1 (RFC 9113, section 6.8).
 *
 * <p>Why: a framework's graceful stop (Vert.x's {@code shutdown}, Netty's {@code close}) sends one GOAWAY
 * naming the last stream the server has seen. A request the client sent at that moment has a higher id: the
 * server ignores it, and the client fails it (Vert.x's client: "Stream was closed (GOAWAY error code = 0)",
 * 8 of ~1,100 requests over 3 reloads) or puts it on the connection it was just told to leave ("Cannot
 * create stream greater than Last-Stream-ID"). The notice refuses nothing: every stream the client has
 * sent or will send before it reads the notice is still served, and the client opens its next streams on a
 * new connection, which reaches the next generation. The framework's stop comes at least the keep-alive
 * grace later, far more than a round trip; Netty then sends no second GOAWAY (one was sent), waits for the
 * streams in flight and closes.
 *
 * <p>Connections are found through the handler's {@code handlerAdded(ctx)} (injected); the contexts are held
 * weakly, so a closed connection is forgotten once Netty lets go of its pipeline. Reached by reflection: the
 * agent does not depend on Netty. A {@link FrameworkDrain} whose only step is the notice: accepting and
 * stopping are the drains' of the framework on top (Vert.x, Reactor Netty) or the generic drain's.
 */
public final class NettyHttp2GoAway implements FrameworkDrain {

  private static final int LAST_POSSIBLE_STREAM = Integer.MAX_VALUE;

  /** ChannelHandlerContexts of Http2ConnectionHandlers; the values are unused. */
  private final Map<Object, Boolean> contexts = Collections.synchronizedMap(new WeakHashMap<>());
  private volatile boolean noticeSent;

  /**
   * Hook target: an {@code Http2ConnectionHandler} was added to a channel's pipeline. A connection that turns
   * HTTP/2 after the notice went out (accepted before the listener closed, its TLS handshake and ALPN or its
   * h2c preface done since) gets the notice at once: otherwise its first GOAWAY would be the framework's, with
   * the real last stream id, and would race the streams its client is sending.
   */
  public void register(Object context) {
    contexts.put(context, Boolean.TRUE);
    if (noticeSent) {
      try {
        notice(context);
      } catch (Throwable t) {
        Log.error("sending GOAWAY on an HTTP/2 connection", t);
      }
    }
  }

  @Override
  public void stopAccepting() {}

  /** Sends the notice on each open server-side connection, on its event loop. */
  @Override
  public void sendShutdownNotice() {
    noticeSent = true; // first: a connection registered from now on is told by register, one before by the loop
    List<Object> all;
    synchronized (contexts) {
      all = new ArrayList<>(contexts.keySet());
    }
    int told = 0;
    for (Object context : all) {
      try {
        if (notice(context)) {
          told++;
        }
      } catch (Throwable t) {
        Log.error("sending GOAWAY on an HTTP/2 connection", t);
      }
    }
    if (told > 0) {
      Log.info("sent GOAWAY (NO_ERROR, last stream " + LAST_POSSIBLE_STREAM + ") on " + told
          + " HTTP/2 connection(s): their clients open new streams on new connections");
    }
  }

  @Override
  public void startShutdown(long timeoutMillis) {}

  @Override
  public boolean isDone() {
    return true;
  }

  private static boolean notice(Object context) throws ReflectiveOperationException {
    ClassLoader loader = context.getClass().getClassLoader();
    Class<?> contextType = Class.forName("io.netty.channel.ChannelHandlerContext", false, loader);
    Class<?> handlerType = Class.forName("io.netty.handler.codec.http2.Http2ConnectionHandler", false, loader);
    Class<?> byteBufType = Class.forName("io.netty.buffer.ByteBuf", false, loader);
    Class<?> promiseType = Class.forName("io.netty.channel.ChannelPromise", false, loader);
    Object handler = contextType.getMethod("handler").invoke(context);
    Object channel = contextType.getMethod("channel").invoke(context);
    Class<?> channelType = Class.forName("io.netty.channel.Channel", false, loader);
    boolean active = (boolean) channelType.getMethod("isActive").invoke(channel);
    if (!handlerType.isInstance(handler) || !active || (boolean) contextType.getMethod("isRemoved").invoke(context)) {
      return false;
    }
    Object connection = handlerType.getMethod("connection").invoke(handler);
    Class<?> connectionType = Class.forName("io.netty.handler.codec.http2.Http2Connection", false, loader);
    if (!(boolean) connectionType.getMethod("isServer").invoke(connection)) {
      return false; // a client of the application's own (a Vert.x or Reactor Netty HttpClient) is not ours to close
    }
    Method goAway = handlerType.getMethod("goAway", contextType, int.class, long.class, byteBufType, promiseType);
    Object empty = Class.forName("io.netty.buffer.Unpooled", false, loader).getField("EMPTY_BUFFER").get(null);
    Executor eventLoop = (Executor) contextType.getMethod("executor").invoke(context);
    // On the connection's event loop: Netty's HTTP/2 state is confined to it.
    eventLoop.execute(() -> {
      try {
        Object promise = contextType.getMethod("newPromise").invoke(context);
        goAway.invoke(handler, context, LAST_POSSIBLE_STREAM, 0L, empty, promise);
        contextType.getMethod("flush").invoke(context);
      } catch (Throwable t) {
        Log.error("sending GOAWAY on an HTTP/2 connection", t);
      }
    });
    return true;
  }
}
