package dev.baton.agent.drain;

/**
 * A server framework's own graceful stop, driven by the {@link Drainer}: one implementation per framework
 * (Jetty, Tomcat, Undertow, Reactor Netty, Netty's HTTP/2 codec), each reaching the framework by reflection, since the agent does not link
 * against any of them. An implementation with no server registered does nothing and is done at once.
 */
public interface FrameworkDrain {

  /**
   * Stops accepting the way the framework expects, synchronously, before the agent closes the adopted
   * listeners: a framework whose acceptor thread finds its listener closed under it logs an accept
   * failure (or spins), while one told first stops its acceptor quietly.
   */
  void stopAccepting();

  /**
   * HTTP/2's shutdown notice (GOAWAY, NO_ERROR, last stream 2^31-1) on the framework's HTTP/2 connections,
   * when the drain begins, so that clients move their next streams to new connections during the
   * keep-alive grace. Netty's HTTP/2 connections get it from {@link NettyHttp2GoAway}, whatever the
   * framework on top.
   */
  default void sendShutdownNotice() {}

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
   * True when this framework is present and sets each accepted connection up on a selector thread,
   * after the accept (Jetty's {@code ManagedSelector}, XNIO, Netty under Reactor): its stop may close a
   * connection accepted just before the listener closed but not yet set up, unread, so the
   * {@link Drainer} first waits (bounded) until such connections are registered.
   */
  default boolean setsUpConnectionsAfterAccept() {
    return false;
  }

  /** Starts the framework's graceful stop, bounded by {@code timeoutMillis}; returns at once. */
  void startShutdown(long timeoutMillis);

  /** True once the graceful stop started has completed (or there was nothing to stop). */
  boolean isDone();
}
