package dev.baton.agent.tooling;

import dev.baton.agent.Log;
import dev.baton.agent.adopt.AsyncServerSocketChannelInstrumentation;
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
import dev.baton.agent.drain.JettyServerDrain;
import dev.baton.agent.drain.TomcatAcceptorInstrumentation;
import dev.baton.agent.drain.TomcatEndpointDrain;
import dev.baton.agent.drain.TomcatHttp11ProcessorInstrumentation;
import dev.baton.agent.drain.VertxHttpServerDrain;
import dev.baton.agent.drain.VertxKeepAliveInstrumentation;
import dev.baton.agent.fdlimit.LazyJdkFiles;
import dev.baton.agent.lifeline.SupervisorLifeline;
import dev.baton.agent.notify.Notifier;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;

/**
 * Wires the agent: configuration, the hook class in java.base, the transformations, the drain signal.
 * Runs only when {@code SERVER_STARTER_PORT} is set; everything here is on the application's start-up
 * path, so it loads few classes and transforms only the named ones.
 */
public final class AgentInstaller {

  private AgentInstaller() {}

  public static void install(String args, String serverStarterPort, Instrumentation inst) throws Throwable {
    List<ListenerSpec> specs;
    try {
      specs = ServerStarterPorts.parse(serverStarterPort);
    } catch (IllegalArgumentException e) {
      Log.warn("SERVER_STARTER_PORT='" + serverStarterPort + "' is malformed (" + e.getMessage()
          + "); the application binds its ports normally");
      return;
    }
    AgentOptions options;
    try {
      options = AgentOptions.parse(args);
    } catch (IllegalArgumentException e) {
      Log.warn("agent options '" + args + "': " + e.getMessage() + "; using " + AgentOptions.DEFAULTS);
      options = AgentOptions.DEFAULTS;
    }

    BootstrapInjector.openJdkInternals(inst);
    JdkInternals jdk = new JdkInternals();
    Notifier notifier = Notifier.fromEnvironment(System.getenv(), jdk);
    // Said as early as possible: a supervisor in "auto" readiness (baton's default) then knows this
    // worker speaks sd_notify and waits for READY=1, instead of calling a JVM that is still starting
    // ready once --interval has passed.
    notifier.status("baton-agent attached, waiting for the application to bind");
    ConnectionTracker connections = new ConnectionTracker(jdk);
    SocketAdopter adopter = new SocketAdopter(jdk, specs, notifier, connections);
    JdkHttpServerDrain httpServers = new JdkHttpServerDrain(connections, jdk);
    VertxHttpServerDrain vertxServers = new VertxHttpServerDrain();
    DrainSingletons.install(vertxServers);
    JettyServerDrain jettyServers = new JettyServerDrain();
    DrainSingletons.install(jettyServers);
    TomcatEndpointDrain tomcatEndpoints = new TomcatEndpointDrain();
    DrainSingletons.install(tomcatEndpoints);
    Drainer drainer = new Drainer(adopter, connections, httpServers, vertxServers, notifier,
        List.of(jettyServers, tomcatEndpoints));
    DrainSingletons.installDrainer(drainer);

    Class<?> hooks = BootstrapInjector.defineHooks(JdkInternals.sunNioChLookup());
    HookBindings.bind(hooks, adopter, httpServers, drainer);

    List<BatonInstrumentation> instrumentations = new ArrayList<>(List.of(
        new ServerSocketChannelInstrumentation(),
        new AsyncServerSocketChannelInstrumentation(),
        new UnixAsyncServerSocketChannelInstrumentation(),
        new NioSocketImplInstrumentation(),
        new SelectionKeyInstrumentation(),
        new JdkHttpServerInstrumentation(),
        new JdkHttpExchangeInstrumentation(),
        FrameworkCreatedInstrumentation.vertxHttpServer(),
        new VertxKeepAliveInstrumentation(),
        FrameworkCreatedInstrumentation.jettyServer(),
        FrameworkCreatedInstrumentation.tomcatEndpoint(),
        new TomcatAcceptorInstrumentation(),
        new TomcatHttp11ProcessorInstrumentation()));
    if (adopter.inheritsInet4()) {
      instrumentations.add(new NetInstrumentation());
    }
    new HookTransformer(instrumentations).install(inst);

    DrainSignal.install(options.drainSignal(), drainer, options.drainTimeout(), options.keepAliveGrace());
    // baton's death (even SIGKILL) closes BATON_LIFELINE_FD: then drain and exit, or serve on (lifeline=)
    SupervisorLifeline.watch(System.getenv(), jdk, args, options.drainSignal());
    // so that logging an accept failure at the fd limit cannot fail (and kill the accepting thread)
    LazyJdkFiles.preloadInBackground();
    if (adopter.allAccepting()) {
      notifier.ready(); // nothing inherited, nothing to wait for
    }
  }
}
