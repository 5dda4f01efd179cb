package dev.baton.agent.instrumentation.jetty;

import dev.baton.agent.drain.LazyDrain;

/** What the code injected into Jetty calls (Jetty is loaded by the application's class loader). */
public final class JettySingletons {

  private static final LazyDrain<JettyServerDrain> DRAIN = new LazyDrain<>() {
    @Override
    protected JettyServerDrain create() {
      return new JettyServerDrain();
    }
  };

  private JettySingletons() {}

  /** After each constructor of {@code org.eclipse.jetty.server.Server}. */
  public static void serverCreated(Object server) {
    try {
      DRAIN.get().register(server);
    } catch (Throwable t) {
      // never break the application's constructor
    }
  }
}
