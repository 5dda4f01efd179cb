package dev.baton.agent.drain;

/**
 * A server framework's own graceful stop, driven by the {@link Drainer}: one implementation per framework, in the
 * framework's package under {@code instrumentation}, each reaching its framework by reflection (the agent does not
 * link against any of them). Created when the framework's first server registers ({@link LazyDrain}).
 */
public interface FrameworkDrain {

  /**
   * The framework's name as users know it ({@code "Jetty"}), listed in the drain's last line when this drain
   * completed its own path ({@link #completedOwnPath}).
   */
  String name();

  /**
   * Stops accepting the way the framework expects, synchronously, before the agent closes the adopted
   * listeners: a framework whose acceptor thread finds its listener closed under it logs an accept
   * failure (or spins), while one told first stops its acceptor quietly.
   */
  default void stopAccepting() {}

  /**
   * HTTP/2's shutdown notice (GOAWAY, NO_ERROR, last stream 2^31-1) on the framework's HTTP/2 connections,
   * when the drain begins, so that clients move their next streams to new connections during the
   * keep-alive grace.
   */
  default void sendShutdownNotice() {}

  /**
   * Called at each poll of the keep-alive grace: a framework whose connections can turn HTTP/2 after the notice
   * went out, and that nothing else tells in time (Jetty cuts their idle timeout with its connector's shutdown),
   * gives them the notice here.
   */
  default void noticeLateHttp2() {}

  /**
   * True when the framework answers with {@code Connection: close} (or, on HTTP/2, has sent the shutdown
   * notice) while draining but its stop closes idle connections at once: the Drainer then first gives
   * keep-alive clients the agent's {@code keepAliveGrace} to send one more request and be told to close
   * (Jetty's HTTP/1 and Tomcat keep an idle grace of their own).
   */
  default boolean awaitsKeepAliveClients() {
    return false;
  }

  /**
   * True when this framework sets each accepted connection up on a selector thread, after the accept (Netty's
   * event loops, Jetty's {@code ManagedSelector}, XNIO): its stop may close a connection accepted just before the
   * listener closed but not yet set up, unread, so the {@link Drainer} first waits (bounded) until such
   * connections are registered.
   */
  default boolean setsUpConnectionsAfterAccept() {
    return false;
  }

  /** Starts the framework's graceful stop, bounded by {@code timeoutMillis}; returns at once. */
  void startShutdown(long timeoutMillis);

  /** True once the graceful stop started has completed (or there was nothing to stop). */
  boolean isDone();

  /** The drain timed out: stop what is still running, whatever it has in flight. */
  default void stopNow() {}

  /**
   * True when every step of this drain ran its own way to the end: nothing failed, nothing was left to the
   * generic connection drain because a framework internal was missing, and the drain did not time out.
   */
  boolean completedOwnPath();
}
