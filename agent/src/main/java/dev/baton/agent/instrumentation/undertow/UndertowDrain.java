package dev.baton.agent.instrumentation.undertow;

import dev.baton.agent.drain.AbstractFrameworkDrain;
import dev.baton.agent.log.Log;
import dev.baton.agent.reflect.Internal;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Graceful stop of Undertow 2 ({@code io.undertow.Undertow}, HTTP/1.x over XNIO).
 *
 * <p>Undertow has no graceful stop of its own beyond {@code GracefulShutdownHandler}, which an application
 * may or may not have wrapped its handler in, and which answers every request begun after its
 * {@code shutdown()} with 503, a keep-alive client's next request included. So:
 *
 * <ol>
 *   <li>{@link #stopAccepting}: each server's XNIO accepting channels stop accepting, the accept tasks
 *       already queued for the I/O threads run, then the channels are closed (XNIO cancels its selection
 *       keys itself). Connections XNIO accepted before are queued for their I/O thread and still set up
 *       and served.
 *   <li>While draining, every response is prepared as not persistent ({@code UndertowKeepAliveInstrumentation}):
 *       Undertow writes {@code Connection: close} and closes the connection after it. The {@link Drainer}
 *       gives keep-alive clients its keep-alive grace to bring one more request that way.
 *   <li>{@link #startShutdown}: the HTTP/1.x connections still idle (no request being read or served) are
 *       closed, each on its own I/O thread, where no request can begin meanwhile; then each
 *       {@code GracefulShutdownHandler}'s {@code shutdown()}, and {@code awaitShutdown} for the requests
 *       still in flight, bounded by the drain timeout. Idle connections are closed first so that the
 *       handler's 503 reaches no keep-alive client. Connections that become idle later (a response begun
 *       before the drain, sent keep-alive) are closed the same way until none is left.
 * </ol>
 *
 * HTTP/2 connections ({@link UndertowHttp2Channels}) get the shutdown notice (GOAWAY, last stream 2^31-1) when
 * the drain begins, and Undertow's own GOAWAY and close in {@link #startShutdown}, with the idle HTTP/1 ones,
 * once they have no stream open.
 *
 * Reached by reflection: the agent does not depend on Undertow. With no Undertow in the application,
 * nothing is registered and every step does nothing.
 */
final class UndertowDrain extends AbstractFrameworkDrain {

  private static final long SWEEP_INTERVAL_MILLIS = 50;
  static final String UNDERTOW = "Undertow";
  private static final String XNIO = "XNIO";
  private static final String CONNECTION = "io.undertow.server.AbstractServerConnection";
  private static final String GRACEFUL_HANDLER = "io.undertow.server.handlers.GracefulShutdownHandler";
  private static final String LOST = "Undertow servers are not stopped gracefully by the drain; it waits for their"
      + " connections to close instead";
  private static final String IDLE_LOST = "idle Undertow keep-alive connections stay open until the drain timeout";

  private static final Internal ACCEPTING_CHANNELS = Internal.of(UNDERTOW, "io.undertow.Undertow").field("channels")
      .lost(LOST);
  /** Through XNIO's public types: the channels' classes are package-private. */
  private static final Internal SUSPEND_ACCEPTS = Internal.of(XNIO, "org.xnio.channels.SuspendableAcceptChannel")
      .method("suspendAccepts").lost(LOST);
  private static final Internal GET_WORKER = Internal.of(XNIO, "org.xnio.channels.CloseableChannel")
      .method("getWorker").lost(LOST);
  /** One queue per I/O thread of the connections accepted for it, not yet taken by its accept task. */
  private static final Internal ACCEPT_QUEUES = Internal.of(XNIO, "org.xnio.nio.QueuedNioTcpServer2").field("acceptQueues")
      .lost("XNIO may log XNIO001009 ClosedChannelException when the drain closes an Undertow listener");
  private static final Internal IO_THREAD_COUNT = Internal.of(XNIO, "org.xnio.XnioWorker").method("getIoThreadCount")
      .lost(LOST);
  private static final Internal GET_IO_THREAD = Internal.of(XNIO, "org.xnio.XnioWorker").method("getIoThread", int.class)
      .lost(LOST);
  private static final Internal GRACEFUL_SHUTDOWN = Internal.of(UNDERTOW, GRACEFUL_HANDLER).method("shutdown")
      .lost(LOST);
  private static final Internal GRACEFUL_AWAIT = Internal.of(UNDERTOW, GRACEFUL_HANDLER)
      .method("awaitShutdown", long.class).lost(LOST);
  private static final Internal CONNECTION_IS_OPEN = Internal.of(UNDERTOW, CONNECTION).method("isOpen").lost(IDLE_LOST);
  private static final Internal CONNECTION_IO_THREAD = Internal.of(UNDERTOW, CONNECTION).method("getIoThread")
      .lost(IDLE_LOST);
  /** The XNIO {@code StreamConnection} under an HTTP/1 connection. */
  static final Internal CONNECTION_CHANNEL = Internal.of(UNDERTOW, CONNECTION).field("channel").lost(IDLE_LOST);
  private static final Internal CONNECTION_CURRENT = Internal.of(UNDERTOW, CONNECTION).field("current").lost(IDLE_LOST);
  private static final Internal CONNECTION_READ_LISTENER = Internal.of(UNDERTOW,
      "io.undertow.server.protocol.http.HttpServerConnection").field("readListener").lost(IDLE_LOST);
  private static final Internal READING_EXCHANGE = Internal.of(UNDERTOW,
      "io.undertow.server.protocol.http.HttpReadListener").field("httpServerExchange").lost(IDLE_LOST);

  private final List<Object> servers = new CopyOnWriteArrayList<>();
  private final List<Object> gracefulHandlers = new CopyOnWriteArrayList<>();
  // HttpServerConnection does not override equals: identity keys, weakly held (Undertow drops closed ones).
  private final Set<Object> connections = Collections.newSetFromMap(new WeakHashMap<>());
  private final UndertowHttp2Channels http2 = new UndertowHttp2Channels(this);
  private volatile boolean idleCheckBroken;

  @Override
  public String name() {
    return UNDERTOW;
  }

  /** An {@code io.undertow.Undertow} was built. */
  void register(Object server) {
    servers.add(server);
  }

  /** A {@code GracefulShutdownHandler} was constructed. */
  void registerGracefulHandler(Object handler) {
    gracefulHandlers.add(handler);
  }

  /** An HTTP/1.x connection ({@code HttpServerConnection}) was set up. */
  void registerConnection(Object connection) {
    synchronized (connections) {
      connections.add(connection);
    }
  }

  /** An {@code Http2Channel} (one per HTTP/2 connection, client-side ones too) was set up. */
  void registerHttp2Channel(Object channel) {
    http2.register(channel);
  }

  @Override
  public void sendShutdownNotice() {
    http2.sendShutdownNotice();
  }

  @Override
  public boolean awaitsKeepAliveClients() {
    return !servers.isEmpty() || !gracefulHandlers.isEmpty();
  }

  @Override
  public void stopAccepting() {
    for (Object server : servers) {
      try {
        List<?> accepting = (List<?>) ACCEPTING_CHANNELS.get(server);
        if (accepting == null || accepting.isEmpty()) {
          continue; // not started, or stopped
        }
        for (Object channel : accepting) {
          SUSPEND_ACCEPTS.invoke(channel);
        }
        awaitQueuedAccepts(accepting);
        for (Object channel : accepting) {
          ((Closeable) channel).close();
        }
      } catch (Throwable t) {
        failed("closing the listeners of an Undertow server", t);
      }
    }
  }

  /**
   * XNIO's queued TCP server ({@code QueuedNioTcpServer2}) accepts on an I/O thread and hands each connection
   * to another through that thread's accept queue, with one accept task per connection on its task queue; a
   * task takes a connection and, if it leaves others in the queue, queues itself again. So after a burst of N
   * connections N - 1 tasks run with nothing left to take: harmless while the server is open, but after the
   * close each fails with {@code ClosedChannelException}, which XNIO logs as an ERROR with a stack trace
   * (XNIO001009; no connection is lost). With accepts suspended, every I/O thread runs a task of the agent's, in
   * rounds, until one round in which each of them found every accept queue empty, and one more: the first round
   * lets an accept loop under way end, and the tasks its burst queued themselves again behind the empty round's
   * task are run before the next one's. With a fixed two rounds a loaded run logged six (drained in 93 ms): a
   * burst accepted during the first round re-queues its tasks behind the second. Bounded: a busy I/O
   * thread costs the drain at most a second here. Without the queues (another XNIO server, or not found) three
   * rounds run.
   */
  private static void awaitQueuedAccepts(List<?> accepting) throws Exception {
    Object worker = GET_WORKER.invoke(accepting.get(0));
    int threads = (int) IO_THREAD_COUNT.invoke(worker);
    List<Collection<?>> queues = acceptQueues(accepting);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    boolean emptyBefore = false;
    for (int round = 0; System.nanoTime() - deadline < 0; round++) {
      CountDownLatch passed = new CountDownLatch(threads);
      AtomicBoolean sawQueued = new AtomicBoolean();
      for (int i = 0; i < threads; i++) {
        Runnable look = () -> {
          if (queues != null && queues.stream().anyMatch(queue -> !queue.isEmpty())) {
            sawQueued.set(true);
          }
          passed.countDown();
        };
        try {
          ((Executor) GET_IO_THREAD.invoke(worker, i)).execute(look);
        } catch (Throwable rejected) {
          passed.countDown(); // the worker is shutting down: nothing more runs there
        }
      }
      boolean allRan = passed.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      boolean empty = allRan && round > 0 && !sawQueued.get();
      if (empty && emptyBefore) {
        return;
      }
      emptyBefore = empty;
    }
  }

  /** The accept queues of XNIO's queued servers among {@code accepting}, one per I/O thread; null if unknown. */
  private static List<Collection<?>> acceptQueues(List<?> accepting) {
    List<Collection<?>> queues = new ArrayList<>();
    for (Object channel : accepting) {
      try {
        if (!ACCEPT_QUEUES.type(channel.getClass().getClassLoader()).isInstance(channel)) {
          continue; // not a queued server: it accepts on the thread that serves the connection
        }
        for (Object queue : (List<?>) ACCEPT_QUEUES.get(channel)) {
          queues.add((Collection<?>) queue);
        }
      } catch (Throwable t) {
        return null;
      }
    }
    return queues;
  }

  @Override
  public void startShutdown(long timeoutMillis) {
    if (!awaitsKeepAliveClients()) {
      return;
    }
    startStop("baton-undertow-stop", () -> shutdown(timeoutMillis));
  }

  private void shutdown(long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    try {
      closeIdleConnections(deadline);
      for (Object handler : gracefulHandlers) {
        GRACEFUL_SHUTDOWN.invoke(handler);
      }
      long start = System.nanoTime();
      boolean finished = true;
      for (Object handler : gracefulHandlers) {
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        finished &= (boolean) GRACEFUL_AWAIT.invoke(handler, left);
      }
      if (!gracefulHandlers.isEmpty()) {
        String result = finished ? "its requests in flight finished" : "requests still in flight at the drain timeout";
        Log.info("Undertow GracefulShutdownHandler shut down; " + result + " after "
            + (System.nanoTime() - start) / 1_000_000 + " ms");
      }
      while ((!openConnections().isEmpty() || http2.anyOpen()) && System.nanoTime() - deadline < 0) {
        Thread.sleep(SWEEP_INTERVAL_MILLIS);
        closeIdleConnections(deadline);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      failed("shutting down an Undertow GracefulShutdownHandler", t);
    }
  }

  /**
   * Asks each open connection's I/O thread to close it if it is idle there (an HTTP/2 one: once it has no
   * stream open), and waits (until the deadline) until they all have: a {@code GracefulShutdownHandler} shut
   * down before would answer 503 to a request arriving meanwhile.
   */
  private void closeIdleConnections(long deadline) throws InterruptedException {
    http2.closeWhereStreamsDone(deadline);
    if (idleCheckBroken) {
      return;
    }
    List<Object> open = openConnections();
    Set<Object> http2Carriers = http2.streamConnections();
    CountDownLatch checked = new CountDownLatch(open.size());
    for (Object connection : open) {
      try {
        if (http2Carriers.contains(CONNECTION_CHANNEL.get(connection))) {
          checked.countDown(); // turned HTTP/2 (prior knowledge or Upgrade: h2c): its exchange is over, its streams are not
          continue;
        }
        Executor ioThread = (Executor) CONNECTION_IO_THREAD.invoke(connection);
        ioThread.execute(() -> {
          try {
            closeIfIdle(connection);
          } finally {
            checked.countDown();
          }
        });
      } catch (Throwable t) {
        checked.countDown(); // the worker is shutting down (rejects tasks) and closes its connections itself
      }
    }
    checked.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /**
   * On the connection's I/O thread: closes it unless a request is being read ({@code HttpReadListener}'s
   * exchange under construction) or served ({@code AbstractServerConnection.current}), the moment
   * Undertow itself treats as idle (where its own no-request timeout starts).
   */
  private void closeIfIdle(Object connection) {
    try {
      Object served = CONNECTION_CURRENT.get(connection);
      Object listener = CONNECTION_READ_LISTENER.get(connection);
      Object reading = listener == null ? null : READING_EXCHANGE.get(listener);
      if (served == null && reading == null) {
        ((Closeable) connection).close();
      }
    } catch (Throwable t) {
      if (!idleCheckBroken) {
        idleCheckBroken = true;
        failed("telling idle Undertow connections from busy ones; " + IDLE_LOST, t);
      }
    }
  }

  private List<Object> openConnections() {
    List<Object> snapshot;
    synchronized (connections) {
      snapshot = new ArrayList<>(connections);
    }
    List<Object> open = new ArrayList<>();
    for (Object connection : snapshot) {
      try {
        if ((boolean) CONNECTION_IS_OPEN.invoke(connection)) {
          open.add(connection);
          continue;
        }
      } catch (Throwable t) {
        // not usable: forget it
      }
      synchronized (connections) {
        connections.remove(connection);
      }
    }
    return open;
  }

  @Override
  public boolean setsUpConnectionsAfterAccept() {
    return !servers.isEmpty();
  }
}
