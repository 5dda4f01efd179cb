package dev.baton.agent.instrumentation.undertow;

import dev.baton.agent.Log;
import java.lang.reflect.Constructor;
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

  /** Http2Channel (identity: it does not override equals) to the nanoTime of its notice, null before. */
  private final Map<Object, Long> channels = Collections.synchronizedMap(new WeakHashMap<>());
  private volatile boolean broken;

  /** Hook target: an {@code Http2Channel} was constructed (client-side ones are skipped when used). */
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
        carriers.add(UndertowDrain.field(channel, "channel").get(channel));
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
        if ((boolean) channel.getClass().getMethod("isOpen").invoke(channel)
            && !(boolean) channel.getClass().getMethod("isClient").invoke(channel)) {
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
      Class<?> channelType = Class.forName("io.undertow.protocols.http2.Http2Channel", false, undertow);
      Constructor<?> goAwayFrame = Class.forName("io.undertow.protocols.http2.Http2GoAwayStreamSinkChannel", false,
          undertow).getDeclaredConstructor(channelType, int.class, int.class);
      goAwayFrame.setAccessible(true);
      Object frame = goAwayFrame.newInstance(channel, NO_ERROR, LAST_POSSIBLE_STREAM);
      // Through XNIO's public interface: the frame's class is package-private.
      Class<?> sink = Class.forName("org.xnio.channels.StreamSinkChannel", false, undertow);
      sink.getMethod("shutdownWrites").invoke(frame);
      if (!(boolean) sink.getMethod("flush").invoke(frame)) {
        Class<?> listener = Class.forName("org.xnio.ChannelListener", false, undertow);
        Object flushing = Class.forName("org.xnio.ChannelListeners", false, undertow)
            .getMethod("flushingChannelListener", listener, Class.forName("org.xnio.ChannelExceptionHandler", false,
                undertow))
            .invoke(null, null, null);
        Object setter = sink.getMethod("getWriteSetter").invoke(frame);
        Class.forName("org.xnio.ChannelListener$Setter", false, undertow).getMethod("set", listener)
            .invoke(setter, flushing);
        sink.getMethod("resumeWrites").invoke(frame);
      }
    } catch (Throwable t) {
      failed("sending GOAWAY on an Undertow HTTP/2 connection", t);
    }
  }

  private void goAwayIfNoStream(Object channel) {
    try {
      Map<?, ?> streams = (Map<?, ?>) UndertowDrain.field(channel, "currentStreams").get(channel);
      if (streams.isEmpty()) {
        channel.getClass().getMethod("sendGoAway", int.class).invoke(channel, NO_ERROR);
      }
    } catch (Throwable t) {
      failed("closing an Undertow HTTP/2 connection", t);
    }
  }

  private void onIoThread(Object channel, Runnable task, CountDownLatch done) {
    try {
      Executor ioThread = (Executor) channel.getClass().getMethod("getIoThread").invoke(channel);
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

  private void failed(String what, Throwable t) {
    if (!broken) {
      broken = true;
      Log.error(what + " (this Undertow version differs); its HTTP/2 connections may be closed with streams in"
          + " flight or left to the drain timeout", t);
    }
  }
}
