package dev.baton.agent.instrumentation.netty;

import dev.baton.agent.drain.AbstractFrameworkDrain;
import dev.baton.agent.log.Log;
import dev.baton.agent.reflect.Internal;
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
final class NettyHttp2GoAway extends AbstractFrameworkDrain {

  private static final int LAST_POSSIBLE_STREAM = Integer.MAX_VALUE;
  private static final String NETTY = "Netty";
  private static final String CONTEXT = "io.netty.channel.ChannelHandlerContext";
  private static final String HANDLER = "io.netty.handler.codec.http2.Http2ConnectionHandler";
  private static final String LOST = "HTTP/2 connections of Netty's codec get no shutdown notice (GOAWAY) before"
      + " the framework's own stop";

  private static final Internal CONTEXT_HANDLER = Internal.of(NETTY, CONTEXT).method("handler").lost(LOST);
  private static final Internal CONTEXT_CHANNEL = Internal.of(NETTY, CONTEXT).method("channel").lost(LOST);
  private static final Internal CONTEXT_IS_REMOVED = Internal.of(NETTY, CONTEXT).method("isRemoved").lost(LOST);
  private static final Internal CONTEXT_EXECUTOR = Internal.of(NETTY, CONTEXT).method("executor").lost(LOST);
  private static final Internal CONTEXT_NEW_PROMISE = Internal.of(NETTY, CONTEXT).method("newPromise").lost(LOST);
  private static final Internal CONTEXT_FLUSH = Internal.of(NETTY, CONTEXT).method("flush").lost(LOST);
  private static final Internal CHANNEL_IS_ACTIVE = Internal.of(NETTY, "io.netty.channel.Channel").method("isActive")
      .lost(LOST);
  private static final Internal HANDLER_CONNECTION = Internal.of(NETTY, HANDLER).method("connection").lost(LOST);
  private static final Internal HANDLER_GO_AWAY = Internal.of(NETTY, HANDLER)
      .method("goAway", CONTEXT, int.class, long.class, "io.netty.buffer.ByteBuf", "io.netty.channel.ChannelPromise")
      .lost(LOST);
  private static final Internal CONNECTION_IS_SERVER = Internal.of(NETTY, "io.netty.handler.codec.http2.Http2Connection")
      .method("isServer").lost(LOST);
  private static final Internal EMPTY_BUFFER = Internal.of(NETTY, "io.netty.buffer.Unpooled").field("EMPTY_BUFFER")
      .lost(LOST);

  /** ChannelHandlerContexts of Http2ConnectionHandlers; the values are unused. */
  private final Map<Object, Boolean> contexts = Collections.synchronizedMap(new WeakHashMap<>());
  private volatile boolean noticeSent;

  /** "Netty HTTP/2": the shutdown notice on the HTTP/2 connections of Netty's codec was sent. */
  @Override
  public String name() {
    return "Netty HTTP/2";
  }

  /**
   * Hook target: an {@code Http2ConnectionHandler} was added to a channel's pipeline. A connection that turns
   * HTTP/2 after the notice went out (accepted before the listener closed, its TLS handshake and ALPN or its
   * h2c preface done since) gets the notice at once: otherwise its first GOAWAY would be the framework's, with
   * the real last stream id, and would race the streams its client is sending.
   */
  void register(Object context) {
    contexts.put(context, Boolean.TRUE);
    if (noticeSent) {
      try {
        notice(context);
      } catch (Throwable t) {
        failed("sending GOAWAY on an HTTP/2 connection", t);
      }
    }
  }

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
        failed("sending GOAWAY on an HTTP/2 connection", t);
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

  /** Listed once the notice went out with no failure (on however many connections were open). */
  @Override
  public boolean completedOwnPath() {
    return noticeSent && ownPath();
  }

  private boolean notice(Object context) throws ReflectiveOperationException {
    ClassLoader loader = context.getClass().getClassLoader();
    Object handler = CONTEXT_HANDLER.invoke(context);
    boolean active = (boolean) CHANNEL_IS_ACTIVE.invoke(CONTEXT_CHANNEL.invoke(context));
    if (!HANDLER_CONNECTION.type(loader).isInstance(handler) || !active || (boolean) CONTEXT_IS_REMOVED.invoke(context)) {
      return false;
    }
    if (!(boolean) CONNECTION_IS_SERVER.invoke(HANDLER_CONNECTION.invoke(handler))) {
      return false; // a client of the application's own (a Vert.x or Reactor Netty HttpClient) is not ours to close
    }
    Object empty = EMPTY_BUFFER.getStatic(loader);
    Executor eventLoop = (Executor) CONTEXT_EXECUTOR.invoke(context);
    // On the connection's event loop: Netty's HTTP/2 state is confined to it.
    eventLoop.execute(() -> {
      try {
        Object promise = CONTEXT_NEW_PROMISE.invoke(context);
        HANDLER_GO_AWAY.invoke(handler, context, LAST_POSSIBLE_STREAM, 0L, empty, promise);
        CONTEXT_FLUSH.invoke(context);
      } catch (Throwable t) {
        failed("sending GOAWAY on an HTTP/2 connection", t);
      }
    });
    return true;
  }
}
