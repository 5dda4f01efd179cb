package dev.baton.agent.instrumentation.undertow;

import dev.baton.agent.drain.AbstractFrameworkDrain;
import dev.baton.agent.log.Log;
import dev.baton.agent.reflect.Internal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Undertow 2's server-side HTTP/2 connections ({@code io.undertow.protocols.http2.Http2Channel}: h2c with prior
 * knowledge or {@code Upgrade: h2c}, and h2), drained like Netty's and Jetty's: the shutdown notice when the
 * drain begins, Undertow's own GOAWAY and close once a connection has no stream left.
 *
 * <p>Why not Undertow's own: {@code Http2Channel.sendGoAway(status)}, the only GOAWAY it offers, names the last
 * stream it has seen, marks the frame as the connection's last (the TCP write side is shut once it is written)
 * and closes the connection as soon as the frame is flushed, streams in flight or not. Sent when the drain
 * begins it would cut the streams in flight and fail every request the client sent meanwhile. So the notice is
 * Undertow's own GOAWAY frame class ({@code Http2GoAwayStreamSinkChannel}) built with NO_ERROR and the last
 * stream id 2^31-1 and written like Undertow writes its control frames, without {@code sendGoAway}'s close and
 * without marking the channel gone away, so the streams the client sends until it reads the notice are served;
 * {@code UndertowGoAwayInstrumentation} makes that one frame not the last. {@code sendGoAway(NO_ERROR)} comes
 * later, on the connection's I/O thread (where frames are read: no stream can begin meanwhile), once the
 * connection has no stream open ({@code Http2Channel.currentStreams}, private) and has had the notice for at
 * least {@link #NOTICE_BEFORE_CLOSE_MILLIS}.
 *
 * <p>An HTTP/2 connection begins as an HTTP/1 {@code HttpServerConnection} (the prior-knowledge preface is
 * parsed as an HTTP/1 request, and an upgrade is an HTTP/1 request), whose exchange is over: to the HTTP/1 idle
 * check it looks idle, and closing it there cut the HTTP/2 streams in flight. {@link #streamConnections} tells
 * the HTTP/1 drain which to leave alone. Reached by reflection: the agent does not depend on Undertow.
 */
final class UndertowHttp2Channels {

  private static final int NO_ERROR = 0;
  private static final int LAST_POSSIBLE_STREAM = Integer.MAX_VALUE;
  /**
   * The least time between the notice and the final GOAWAY, for a connection that turned HTTP/2 after the drain
   * began (its notice comes late); the others had the keep-alive grace. Far more than a round trip.
   */
  private static final long NOTICE_BEFORE_CLOSE_MILLIS = 1_000;
  private static final String UNDERTOW = UndertowDrain.UNDERTOW;
  private static final String XNIO = "XNIO";
  private static final String CHANNEL = "io.undertow.protocols.http2.Http2Channel";
  private static final String FRAMED_CHANNEL = "io.undertow.server.protocol.framed.AbstractFramedChannel";
  /** Through XNIO's public interface: the frame's class is package-private. */
  private static final String SINK = "org.xnio.channels.StreamSinkChannel";
  private static final String LOST = "Undertow's HTTP/2 connections may be closed with streams in flight or left to"
      + " the drain timeout";

  private static final Internal IS_OPEN = Internal.of(UNDERTOW, FRAMED_CHANNEL).method("isOpen").lost(LOST);
  private static final Internal IS_CLIENT = Internal.of(UNDERTOW, CHANNEL).method("isClient").lost(LOST);
  private static final Internal IO_THREAD = Internal.of(UNDERTOW, FRAMED_CHANNEL).method("getIoThread").lost(LOST);
  /** The XNIO {@code StreamConnection} under an HTTP/2 connection. */
  private static final Internal STREAM_CONNECTION = Internal.of(UNDERTOW, FRAMED_CHANNEL).field("channel").lost(LOST);
  private static final Internal CURRENT_STREAMS = Internal.of(UNDERTOW, CHANNEL).field("currentStreams").lost(LOST);
  private static final Internal SEND_GO_AWAY = Internal.of(UNDERTOW, CHANNEL).method("sendGoAway", int.class)
      .lost(LOST);
  private static final Internal NEW_GO_AWAY_FRAME = Internal.of(UNDERTOW,
      "io.undertow.protocols.http2.Http2GoAwayStreamSinkChannel").constructor(CHANNEL, int.class, int.class).lost(LOST);
  private static final Internal SHUTDOWN_WRITES = Internal.of(XNIO, SINK).method("shutdownWrites").lost(LOST);
  private static final Internal FLUSH = Internal.of(XNIO, SINK).method("flush").lost(LOST);
  private static final Internal WRITE_SETTER = Internal.of(XNIO, SINK).method("getWriteSetter").lost(LOST);
  private static final Internal RESUME_WRITES = Internal.of(XNIO, SINK).method("resumeWrites").lost(LOST);
  private static final Internal FLUSHING_LISTENER = Internal.of(XNIO, "org.xnio.ChannelListeners")
      .method("flushingChannelListener", "org.xnio.ChannelListener", "org.xnio.ChannelExceptionHandler").lost(LOST);
  private static final Internal SET_LISTENER = Internal.of(XNIO, "org.xnio.ChannelListener$Setter")
      .method("set", "org.xnio.ChannelListener").lost(LOST);

  /** Http2Channel (identity: it does not override equals) to the nanoTime of its notice, null before. */
  private final Map<Object, Long> channels = Collections.synchronizedMap(new WeakHashMap<>());
  /** The drain this belongs to, told of every failure. */
  private final AbstractFrameworkDrain drain;
  private volatile boolean broken;

  UndertowHttp2Channels(AbstractFrameworkDrain drain) {
    this.drain = drain;
  }

  /** An {@code Http2Channel} was constructed (client-side ones are skipped when used). */
  void register(Object channel) {
    channels.putIfAbsent(channel, null);
  }

  /**
   * The XNIO {@code StreamConnection}s that carry the open HTTP/2 connections (an identity set): the HTTP/1
   * {@code HttpServerConnection}s on them are HTTP/2 now and not the HTTP/1 drain's to close.
   */
  Set<Object> streamConnections() {
    Set<Object> carriers = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Object channel : open()) {
      try {
        carriers.add(STREAM_CONNECTION.get(channel));
      } catch (Throwable t) {
        failed("telling Undertow's HTTP/2 connections from HTTP/1 ones", t);
      }
    }
    return carriers;
  }

  /** The shutdown notice on every open server-side connection that has not had it, each on its I/O thread. */
  void sendShutdownNotice() {
    int told = 0;
    for (Object channel : open()) {
      if (channels.get(channel) == null) {
        channels.put(channel, System.nanoTime());
        onIoThread(channel, () -> notice(channel), null);
        told++;
      }
    }
    if (told > 0) {
      Log.info("sent GOAWAY (NO_ERROR, last stream " + LAST_POSSIBLE_STREAM + ") on " + told
          + " Undertow HTTP/2 connection(s): their clients open new streams on new connections");
    }
  }

  /**
   * On each open connection's I/O thread, Undertow's own GOAWAY (the real last stream id) and close if no stream
   * is open there and the notice is old enough; a connection that turned HTTP/2 since the last call gets its
   * notice now. Waits (until {@code deadline}, a {@link System#nanoTime()}) until every connection was checked.
   */
  void closeWhereStreamsDone(long deadline) throws InterruptedException {
    sendShutdownNotice();
    List<Object> open = open();
    CountDownLatch checked = new CountDownLatch(open.size());
    long now = System.nanoTime();
    for (Object channel : open) {
      Long noticed = channels.get(channel);
      if (noticed == null || now - noticed < TimeUnit.MILLISECONDS.toNanos(NOTICE_BEFORE_CLOSE_MILLIS)) {
        checked.countDown();
        continue;
      }
      onIoThread(channel, () -> goAwayIfNoStream(channel), checked);
    }
    checked.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /** True while a server-side HTTP/2 connection is open. */
  boolean anyOpen() {
    return !open().isEmpty();
  }

  private List<Object> open() {
    List<Object> snapshot;
    synchronized (channels) {
      snapshot = new ArrayList<>(channels.keySet());
    }
    List<Object> open = new ArrayList<>();
    for (Object channel : snapshot) {
      try {
        if ((boolean) IS_OPEN.invoke(channel) && !(boolean) IS_CLIENT.invoke(channel)) {
          open.add(channel);
          continue;
        }
      } catch (Throwable t) {
        failed("listing Undertow's HTTP/2 connections", t);
      }
      channels.remove(channel);
    }
    return open;
  }

  /**
   * Undertow's GOAWAY frame with NO_ERROR and 2^31-1, written as {@code Http2Channel} writes its SETTINGS and
   * PING frames (shut the frame's writes, flush, else flush when writable).
   */
  private void notice(Object channel) {
    try {
      ClassLoader undertow = channel.getClass().getClassLoader();
      Object frame = NEW_GO_AWAY_FRAME.newInstance(undertow, channel, NO_ERROR, LAST_POSSIBLE_STREAM);
      SHUTDOWN_WRITES.invoke(frame);
      if (!(boolean) FLUSH.invoke(frame)) {
        Object flushing = FLUSHING_LISTENER.invokeStatic(undertow, null, null);
        SET_LISTENER.invoke(WRITE_SETTER.invoke(frame), flushing);
        RESUME_WRITES.invoke(frame);
      }
    } catch (Throwable t) {
      failed("sending GOAWAY on an Undertow HTTP/2 connection", t);
    }
  }

  private void goAwayIfNoStream(Object channel) {
    try {
      Map<?, ?> streams = (Map<?, ?>) CURRENT_STREAMS.get(channel);
      if (streams.isEmpty()) {
        SEND_GO_AWAY.invoke(channel, NO_ERROR);
      }
    } catch (Throwable t) {
      failed("closing an Undertow HTTP/2 connection", t);
    }
  }

  private void onIoThread(Object channel, Runnable task, CountDownLatch done) {
    try {
      Executor ioThread = (Executor) IO_THREAD.invoke(channel);
      ioThread.execute(() -> {
        try {
          task.run();
        } finally {
          if (done != null) {
            done.countDown();
          }
        }
      });
    } catch (Throwable t) {
      if (done != null) {
        done.countDown(); // the worker is shutting down (rejects tasks) and closes its connections itself
      }
    }
  }

  /** Said once: every connection would fail the same way. */
  private void failed(String what, Throwable t) {
    if (!broken) {
      broken = true;
      drain.failed(what + "; " + LOST, t);
    } else {
      drain.fellShort();
    }
  }
}
