package dev.baton.agent.drain;

/**
 * What code injected into application-loaded frameworks (Vert.x) reaches: such classes see the agent's
 * classes through the system class loader, but not the hook class inside java.base. Set once at start-up.
 */
public final class DrainSingletons {

  private static volatile VertxHttpServerDrain vertxServers;
  private static volatile Drainer drainer;

  private DrainSingletons() {}

  public static void install(VertxHttpServerDrain vertx) {
    vertxServers = vertx;
  }

  public static void installDrainer(Drainer draining) {
    drainer = draining;
  }

  /**
   * Called by the code {@code VertxKeepAliveInstrumentation} injects: true once draining, so that every
   * request begun from then on is answered with {@code Connection: close} and its connection closed
   * after the response.
   */
  public static boolean closeAfterResponse() {
    Drainer current = drainer;
    return current != null && current.isDraining();
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
