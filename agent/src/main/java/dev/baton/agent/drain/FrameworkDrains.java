package dev.baton.agent.drain;

import java.util.ArrayList;
import java.util.List;

/**
 * What code injected into application-loaded frameworks (Vert.x, Jetty, Tomcat, Undertow, Reactor Netty) reaches: such
 * classes see the agent's classes through the system class loader, but not the hook class inside java.base.
 *
 * <p>The drainer is set once at start-up; each framework's drain is created when the framework's first
 * server registers, so an application pays (in classes loaded at start-up) only for the framework it uses.
 */
public final class DrainSingletons {

  private static final Object CREATING = new Object();

  private static volatile VertxHttpServerDrain vertxServers;
  private static volatile Drainer drainer;
  private static volatile JettyServerDrain jettyServers;
  private static volatile TomcatEndpointDrain tomcatEndpoints;
  private static volatile UndertowDrain undertow;
  private static volatile ReactorNettyServerDrain reactorNettyServers;
  private static volatile NettyHttp2GoAway nettyHttp2;

  private DrainSingletons() {}


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


  /** Called by the code {@code FrameworkCreatedInstrumentation.reactorNettyServer()} injects. */
  public static void reactorNettyServerCreated(Object server) {
    ReactorNettyServerDrain drain = reactorNetty();
    if (drain != null) {
      try {
        drain.register(server);
      } catch (Throwable t) {
        // never break the application's constructor
      }
    }
  }



  /** Called by the code {@code FrameworkCreatedInstrumentation.tomcatEndpoint()} injects. */
  public static void tomcatEndpointCreated(Object endpoint) {
    TomcatEndpointDrain drain = tomcat();
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

  /**
   * Called by the code {@code TomcatHttp11ProcessorInstrumentation} injects before each response, and
   * {@code TomcatHttp2ProtocolInstrumentation} before each {@code Upgrade: h2c} is taken.
   */
  public static boolean tomcatDraining() {
    TomcatEndpointDrain drain = tomcatEndpoints;
    return drain != null && drain.isDraining();
  }

  /** Called by the code {@code FrameworkCreatedInstrumentation.jettyServer()} injects. */
  public static void jettyServerCreated(Object server) {
    JettyServerDrain drain = jetty();
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
    VertxHttpServerDrain drain = vertx();
    if (drain != null) {
      try {
        drain.register(server);
      } catch (Throwable t) {
        // never break the application's constructor
      }
    }
  }


  /** Called by the code {@code FrameworkCreatedInstrumentation.undertowServer()} injects. */
  public static void undertowServerCreated(Object server) {
    UndertowDrain drain = undertow();
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
    UndertowDrain drain = undertow();
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
    UndertowDrain drain = undertow();
    if (drain != null) {
      try {
        drain.registerConnection(connection);
      } catch (Throwable t) {
        // never break the application's constructor
      }
    }
  }

  /** Called by the code {@code FrameworkCreatedInstrumentation.undertowHttp2Channel()} injects. */
  public static void undertowHttp2ChannelCreated(Object channel) {
    UndertowDrain drain = undertow();
    if (drain != null) {
      try {
        drain.registerHttp2Channel(channel);
      } catch (Throwable t) {
        // never break the application's constructor
      }
    }
  }

  /** Called by the code {@code Http2ConnectionHandlerInstrumentation} injects. */
  public static void http2ConnectionAdded(Object context) {
    try {
      nettyHttp2().register(context);
    } catch (Throwable t) {
      // never break the application's pipeline
    }
  }

  /** The Vert.x drain if a Vert.x server registered, else null. */
  public static VertxHttpServerDrain vertxServers() {
    return vertxServers;
  }

  /**
   * The drains of the frameworks whose servers registered (none for a plain JDK HttpServer), and the HTTP/2
   * notice if Netty's HTTP/2 codec set up a connection.
   */
  public static List<FrameworkDrain> frameworks() {
    List<FrameworkDrain> created = new ArrayList<>(5);
    for (FrameworkDrain drain
        : new FrameworkDrain[] {nettyHttp2, jettyServers, tomcatEndpoints, undertow, reactorNettyServers}) {
      if (drain != null) {
        created.add(drain);
      }
    }
    return created;
  }

  // Created under one lock, once each: a framework's servers may register from several threads.

  private static VertxHttpServerDrain vertx() {
    if (vertxServers == null) {
      synchronized (CREATING) {
        if (vertxServers == null) {
          vertxServers = new VertxHttpServerDrain();
        }
      }
    }
    return vertxServers;
  }

  private static NettyHttp2GoAway nettyHttp2() {
    if (nettyHttp2 == null) {
      synchronized (CREATING) {
        if (nettyHttp2 == null) {
          nettyHttp2 = new NettyHttp2GoAway();
        }
      }
    }
    return nettyHttp2;
  }

  private static JettyServerDrain jetty() {
    if (jettyServers == null) {
      synchronized (CREATING) {
        if (jettyServers == null) {
          jettyServers = new JettyServerDrain();
        }
      }
    }
    return jettyServers;
  }

  private static TomcatEndpointDrain tomcat() {
    if (tomcatEndpoints == null) {
      synchronized (CREATING) {
        if (tomcatEndpoints == null) {
          tomcatEndpoints = new TomcatEndpointDrain();
        }
      }
    }
    return tomcatEndpoints;
  }

  private static UndertowDrain undertow() {
    if (undertow == null) {
      synchronized (CREATING) {
        if (undertow == null) {
          undertow = new UndertowDrain();
        }
      }
    }
    return undertow;
  }

  private static ReactorNettyServerDrain reactorNetty() {
    if (reactorNettyServers == null) {
      synchronized (CREATING) {
        if (reactorNettyServers == null) {
          reactorNettyServers = new ReactorNettyServerDrain();
        }
      }
    }
    return reactorNettyServers;
  }
}
