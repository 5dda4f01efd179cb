package dev.baton.agent.drain;

/**
 * A server framework's own graceful stop, driven by the {@link Drainer}: one implementation per framework
 * (Jetty, Tomcat, Undertow), each reaching the framework by reflection, since the agent does not link
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
   * True when, while draining, this framework's responses ask to close their connections and it relies on
   * the {@link Drainer}'s keep-alive grace for clients to bring one more request (Jetty and Tomcat run a
   * grace of their own). False when the framework is absent.
   */
  default boolean usesKeepAliveGrace() {
    return false;
  }

  /** Starts the framework's graceful stop, bounded by {@code timeoutMillis}; returns at once. */
  void startShutdown(long timeoutMillis);

  /** True once the graceful stop started has completed (or there was nothing to stop). */
  boolean isDone();
}
