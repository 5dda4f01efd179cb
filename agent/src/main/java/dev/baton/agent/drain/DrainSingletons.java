package dev.baton.agent.drain;

/**
 * What code injected into application-loaded frameworks (Vert.x, Jetty, Tomcat, Undertow, Reactor Netty) reaches: such
 * classes see the agent's classes through the system class loader, but not the hook class inside java.base.
 * Set once at start-up.
 */
public final class DrainSingletons {

  private static volatile VertxHttpServerDrain vertxServers;
  private static volatile Drainer drainer;
  private static volatile JettyServerDrain jettyServers;
  private static volatile TomcatEndpointDrain tomcatEndpoints;
  private static volatile UndertowDrain undertow;
  private static volatile ReactorNettyServerDrain reactorNettyServers;
  private static volatile NettyHttp2GoAway nettyHttp2;

  private DrainSingletons() {}

  public static void install(VertxHttpServerDrain vertx) {
    vertxServers = vertx;
  }

  public static void installDrainer(Drainer draining) {
    drainer = draining;
  }

  /**
   * Called by the code {@code VertxKeepAliveInstrumentation} and {@code UndertowKeepAliveInstrumentation}
   * inject: true once draining, so that every request begun (Vert.x) or response begun (Undertow) from then
   * on is answered with {@code Connection: close} and its connection closed after the response.
   */
  public static boolean closeAfterResponse() {
    Drainer current = drainer;
    return current != null && current.isDraining();
  }

  /**
   * Called by the code {@code ReactorNettyKeepAliveInstrumentation} injects after each
   * {@code HttpUtil.isKeepAlive}: false once draining, so that the response ends its connection with
   * {@code Connection: close}.
   */
  public static boolean keepAlive(boolean keepAlive) {
    return keepAlive && !closeAfterResponse();
  }

  public static void install(ReactorNettyServerDrain reactorNetty) {
    reactorNettyServers = reactorNetty;
  }

  /** Called by the code {@code FrameworkCreatedInstrumentation.reactorNettyServer()} injects. */
  public static void reactorNettyServerCreated(Object server) {
    ReactorNettyServerDrain drain = reactorNettyServers;
    if (drain != null) {
      try {
        drain.register(server);
      } catch (Throwable t) {
        // never break the application's constructor
      }
    }
  }

  public static void install(JettyServerDrain jetty) {
    jettyServers = jetty;
  }

  public static void install(TomcatEndpointDrain tomcat) {
    tomcatEndpoints = tomcat;
  }

  /** Called by the code {@code FrameworkCreatedInstrumentation.tomcatEndpoint()} injects. */
  public static void tomcatEndpointCreated(Object endpoint) {
    TomcatEndpointDrain drain = tomcatEndpoints;
    if (drain != null) {
      try {
        drain.register(endpoint);
      } catch (Throwable t) {
        // never break the application's constructor
      }
    }
  }

  /** Called by the code {@code TomcatAcceptorInstrumentation} injects, in place of {@code endpoint.isRunning()}. */
  public static boolean tomcatAcceptFailureIsError(Object endpoint) {
    TomcatEndpointDrain drain = tomcatEndpoints;
    try {
      return drain == null
          ? (boolean) endpoint.getClass().getMethod("isRunning").invoke(endpoint)
          : drain.acceptFailureIsError(endpoint);
    } catch (Throwable t) {
      return true; // Tomcat's own behaviour: report the failure
    }
  }

  /** Called by the code {@code TomcatHttp11ProcessorInstrumentation} injects before each response. */
  public static boolean tomcatDraining() {
    TomcatEndpointDrain drain = tomcatEndpoints;
    return drain != null && drain.isDraining();
  }

  /** Called by the code {@code FrameworkCreatedInstrumentation.jettyServer()} injects. */
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

  /** Called by the code {@code FrameworkCreatedInstrumentation.vertxHttpServer()} injects. */
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

  public static void install(UndertowDrain drain) {
    undertow = drain;
  }

  /** Called by the code {@code FrameworkCreatedInstrumentation.undertowServer()} injects. */
  public static void undertowServerCreated(Object server) {
    UndertowDrain drain = undertow;
    if (drain != null) {
      try {
        drain.register(server);
      } catch (Throwable t) {
        // never break the application's constructor
      }
    }
  }

  /** Called by the code {@code FrameworkCreatedInstrumentation.undertowGracefulShutdownHandler()} injects. */
  public static void undertowGracefulHandlerCreated(Object handler) {
    UndertowDrain drain = undertow;
    if (drain != null) {
      try {
        drain.registerGracefulHandler(handler);
      } catch (Throwable t) {
        // never break the application's constructor
      }
    }
  }

  /** Called by the code {@code FrameworkCreatedInstrumentation.undertowConnection()} injects. */
  public static void undertowConnectionCreated(Object connection) {
    UndertowDrain drain = undertow;
    if (drain != null) {
      try {
        drain.registerConnection(connection);
      } catch (Throwable t) {
        // never break the application's constructor
      }
    }
  }

  public static void install(NettyHttp2GoAway goAway) {
    nettyHttp2 = goAway;
  }

  /** Called by the code {@code Http2ConnectionHandlerInstrumentation} injects. */
  public static void http2ConnectionAdded(Object context) {
    NettyHttp2GoAway goAway = nettyHttp2;
    if (goAway != null) {
      try {
        goAway.register(context);
      } catch (Throwable t) {
        // never break the application's pipeline
      }
    }
  }
}
