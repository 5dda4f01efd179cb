package dev.baton.agent.tooling;

import dev.baton.agent.Log;
import dev.baton.agent.adopt.AsyncServerSocketChannelInstrumentation;
import dev.baton.agent.adopt.EpollChannelInstrumentation;
import dev.baton.agent.adopt.EpollNativeInstrumentation;
import dev.baton.agent.adopt.EpollServerSocketChannelInstrumentation;
import dev.baton.agent.adopt.NettySingletons;
import dev.baton.agent.adopt.NettySocketInstrumentation;
import dev.baton.agent.adopt.NetInstrumentation;
import dev.baton.agent.adopt.NioSocketImplInstrumentation;
import dev.baton.agent.adopt.SelectionKeyInstrumentation;
import dev.baton.agent.adopt.ServerSocketChannelInstrumentation;
import dev.baton.agent.adopt.SocketAdopter;
import dev.baton.agent.adopt.UnixAsyncServerSocketChannelInstrumentation;
import dev.baton.agent.bootstrap.BootstrapInjector;
import dev.baton.agent.bootstrap.JdkInternals;
import dev.baton.agent.config.AgentOptions;
import dev.baton.agent.config.ListenerSpec;
import dev.baton.agent.config.ServerStarterPorts;
import dev.baton.agent.drain.ConnectionTracker;
import dev.baton.agent.drain.DrainSignal;
import dev.baton.agent.drain.DrainSingletons;
import dev.baton.agent.drain.Drainer;
import dev.baton.agent.drain.JdkHttpServerDrain;
import dev.baton.agent.drain.JdkHttpExchangeInstrumentation;
import dev.baton.agent.drain.JdkHttpServerInstrumentation;
import dev.baton.agent.drain.FrameworkCreatedInstrumentation;
import dev.baton.agent.drain.Http2ConnectionHandlerInstrumentation;
import dev.baton.agent.drain.NettyHttp2GoAway;
import dev.baton.agent.drain.JettyServerDrain;
import dev.baton.agent.drain.TomcatAcceptorInstrumentation;
import dev.baton.agent.drain.TomcatEndpointDrain;
import dev.baton.agent.drain.TomcatHttp11ProcessorInstrumentation;
import dev.baton.agent.drain.UndertowDrain;
import dev.baton.agent.drain.UndertowKeepAliveInstrumentation;
import dev.baton.agent.drain.VertxHttpServerDrain;
import dev.baton.agent.drain.VertxKeepAliveInstrumentation;
import dev.baton.agent.drain.ReactorNettyKeepAliveInstrumentation;
import dev.baton.agent.drain.ReactorNettyServerDrain;
import dev.baton.agent.fdlimit.LazyJdkFiles;
import dev.baton.agent.lifeline.SupervisorLifeline;
import dev.baton.agent.notify.Notifier;
import java.lang.instrument.Instrumentation;
import java.util.List;

/**
 * Wires the agent: configuration, the hook class in java.base, the transformations, the drain signal.
 * Runs only when {@code SERVER_STARTER_PORT} is set.
 *
 * <p>Everything here is on the application's start-up path, so {@code premain} itself only parses the
 * configuration, registers the transformer and starts a thread for the rest (opening JDK internals,
 * checking the inherited sockets, defining and binding the hooks, the signal handler), and another
 * thread loads ASM meanwhile ({@link HookTransformer#warmUp()}): that work then
 * overlaps the JVM's and the application's own start-up, and a thread that loads one of the target
 * classes before it is done waits for it ({@link HookTransformer}). The set-up thread touches no
 * target class of the application's path (JDK internals are resolved lazily, see {@link JdkInternals}),
 * so no class has to be retransformed and nobody waits on anybody else's lock.
 */
public final class AgentInstaller {

  private AgentInstaller() {}

  public static void install(String args, String serverStarterPort, Instrumentation inst) {
    List<ListenerSpec> specs;
    try {
      specs = ServerStarterPorts.parse(serverStarterPort);
    } catch (IllegalArgumentException e) {
      Log.warn("SERVER_STARTER_PORT='" + serverStarterPort + "' is malformed (" + e.getMessage()
          + "); the application binds its ports normally");
      return;
    }
    Thread warmUp = new Thread(new WarmUp(), "baton-agent-warm-up");
    warmUp.setDaemon(true);
    warmUp.start();
    AgentOptions options;
    try {
      options = AgentOptions.parse(args);
    } catch (IllegalArgumentException e) {
      Log.warn("agent options '" + args + "': " + e.getMessage() + "; using " + AgentOptions.DEFAULTS);
      options = AgentOptions.DEFAULTS;
    }
    HookTransformer transformer = new HookTransformer(instrumentations());
    Thread setUp = new Thread(new SetUp(args, specs, options, inst, transformer), "baton-agent-set-up");
    setUp.setDaemon(true);
    transformer.register(inst, setUp);
    setUp.start();
  }

  /**
   * One per target class. {@code sun.nio.ch.Net} is always among them, although only an inherited
   * AF_INET socket needs its hook: whether one was inherited is known only once the sockets are checked,
   * which loads {@code Net}, and transforming it then at load time costs less than a retransformation.
   */
  static List<BatonInstrumentation> instrumentations() {
    return List.of(
        new ServerSocketChannelInstrumentation(),
        new AsyncServerSocketChannelInstrumentation(),
        new UnixAsyncServerSocketChannelInstrumentation(),
        new NioSocketImplInstrumentation(),
        new SelectionKeyInstrumentation(),
        new NetInstrumentation(),
        new NettySocketInstrumentation(),
        new EpollChannelInstrumentation(),
        new EpollServerSocketChannelInstrumentation(),
        new EpollNativeInstrumentation(),
        new JdkHttpServerInstrumentation(),
        new JdkHttpExchangeInstrumentation(),
        FrameworkCreatedInstrumentation.vertxHttpServer(),
        new VertxKeepAliveInstrumentation(),
        FrameworkCreatedInstrumentation.jettyServer(),
        FrameworkCreatedInstrumentation.tomcatEndpoint(),
        new TomcatAcceptorInstrumentation(),
        new TomcatHttp11ProcessorInstrumentation(),
        FrameworkCreatedInstrumentation.undertowServer(),
        FrameworkCreatedInstrumentation.undertowGracefulShutdownHandler(),
        FrameworkCreatedInstrumentation.undertowConnection(),
        new UndertowKeepAliveInstrumentation(),
        FrameworkCreatedInstrumentation.reactorNettyServer(),
        new ReactorNettyKeepAliveInstrumentation(),
        new Http2ConnectionHandlerInstrumentation());
  }

  /** See {@link HookTransformer#warmUp()}. */
  private static final class WarmUp implements Runnable {
    @Override
    public void run() {
      HookTransformer.warmUp();
    }
  }

  /** The set-up thread (a class, not a lambda: lambdas spin classes at start-up). */
  private record SetUp(String args, List<ListenerSpec> specs, AgentOptions options, Instrumentation inst,
      HookTransformer transformer) implements Runnable {

    @Override
    public void run() {
      try {
        Notifier notifier = setUp();
        LazyJdkFiles.preload();
        if (notifier != null) {
          notifier.ready(); // nothing inherited, nothing to wait for
        }
      } catch (Throwable t) {
        transformer.abandon(inst);
        System.err.println("baton-agent: ERROR: not installed, the application runs without it: " + t);
      }
    }

    /** Everything the injected code needs, then the gate opens; the notifier if ready at once. */
    private Notifier setUp() throws Throwable {
      BootstrapInjector.openJdkInternals(inst);
      Class<?> hooks = BootstrapInjector.defineHooks(JdkInternals.sunNioChLookup());
      transformer.hooksDefined();
      JdkInternals jdk = new JdkInternals();
      Notifier notifier = Notifier.fromEnvironment(System.getenv(), jdk);
      // Said as early as possible: a supervisor in "auto" readiness (baton's default) then knows this
      // worker speaks sd_notify and waits for READY=1, instead of calling a JVM that is still starting
      // ready once --interval has passed.
      notifier.status("baton-agent attached, waiting for the application to bind");
      ConnectionTracker connections = new ConnectionTracker(jdk);
      SocketAdopter adopter = new SocketAdopter(jdk, specs, notifier, connections);
      NettySingletons.install(adopter);
      JdkHttpServerDrain httpServers = new JdkHttpServerDrain(connections, jdk);
      VertxHttpServerDrain vertxServers = new VertxHttpServerDrain();
      DrainSingletons.install(vertxServers);
      JettyServerDrain jettyServers = new JettyServerDrain();
      DrainSingletons.install(jettyServers);
      TomcatEndpointDrain tomcatEndpoints = new TomcatEndpointDrain();
      DrainSingletons.install(tomcatEndpoints);
      UndertowDrain undertow = new UndertowDrain();
      DrainSingletons.install(undertow);
      ReactorNettyServerDrain reactorNettyServers = new ReactorNettyServerDrain();
      DrainSingletons.install(reactorNettyServers);
      NettyHttp2GoAway nettyHttp2 = new NettyHttp2GoAway();
      DrainSingletons.install(nettyHttp2);
      Drainer drainer = new Drainer(adopter, connections, httpServers, vertxServers, notifier,
          List.of(jettyServers, tomcatEndpoints, undertow, reactorNettyServers), nettyHttp2);
      DrainSingletons.installDrainer(drainer);

      HookBindings.bind(hooks, adopter, httpServers, drainer);
      // Before the gate opens: once it is open the application can adopt, say READY=1 and be sent TERM.
      DrainSignal.install(options.drainSignal(), drainer, options.drainTimeout(), options.keepAliveGrace());
      // baton's death (even SIGKILL) closes BATON_LIFELINE_FD: then drain and exit, or serve on (lifeline=)
      SupervisorLifeline.watch(System.getenv(), jdk, args, options.drainSignal());
      transformer.open(inst);
      return adopter.allAccepting() ? notifier : null;
    }
  }
}
