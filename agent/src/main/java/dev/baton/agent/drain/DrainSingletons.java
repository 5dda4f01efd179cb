package dev.baton.agent.drain;

/**
 * What code injected into application-loaded frameworks (Vert.x) reaches: such classes see the agent's
 * classes through the system class loader, but not the hook class inside java.base. Set once at start-up.
 */
public final class DrainSingletons {

  private static volatile VertxHttpServerDrain vertxServers;
  private static volatile JettyServerDrain jettyServers;

  private DrainSingletons() {}

  public static void install(VertxHttpServerDrain vertx) {
    vertxServers = vertx;
  }

  public static void install(JettyServerDrain jetty) {
    jettyServers = jetty;
  }

  /** Called by the code {@code JettyServerInstrumentation} injects. */
  public static void jettyServerCreated(Object server) {
    JettyServerDrain drain = jettyServers;
    if (drain != null) {
      try {
        drain.register(server);
      } catch (Throwable t) {
        // never break the application's constructor
      }
    }
  }

  /** Called by the code {@code VertxHttpServerInstrumentation} injects. */
  public static void vertxServerCreated(Object server) {
    VertxHttpServerDrain drain = vertxServers;
    if (drain != null) {
      try {
        drain.register(server);
      } catch (Throwable t) {
        // never break the application's constructor
      }
    }
  }
}
