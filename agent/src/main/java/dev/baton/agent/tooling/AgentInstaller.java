package dev.baton.agent.tooling;

import dev.baton.agent.adopt.ConnectionTracker;
import dev.baton.agent.adopt.SocketAdopter;
import dev.baton.agent.bootstrap.BootstrapInjector;
import dev.baton.agent.bootstrap.ClassDataSharing;
import dev.baton.agent.bootstrap.JdkInternals;
import dev.baton.agent.config.AgentOptions;
import dev.baton.agent.config.ListenerSpec;
import dev.baton.agent.config.ServerStarterPorts;
import dev.baton.agent.config.WarmUpOptions;
import dev.baton.agent.drain.DrainSignal;
import dev.baton.agent.drain.Drainer;
import dev.baton.agent.drain.FrameworkDrains;
import dev.baton.agent.fdlimit.LazyJdkFiles;
import dev.baton.agent.lifeline.SupervisorLifeline;
import dev.baton.agent.log.Log;
import dev.baton.agent.notify.Notifier;
import dev.baton.agent.notify.WarmUp;
import java.lang.instrument.Instrumentation;
import java.util.List;

/**
 * Wires the agent: configuration, the hook class in java.base, the transformations, the drain signal.
 * Runs only when {@code SERVER_STARTER_PORT} is set.
 *
 * <p>Everything here is on the application's start-up path, so {@code premain} itself only parses the
 * configuration, registers the transformer and starts a thread for the rest (the rewrite cache, opening
 * JDK internals, checking the inherited sockets, defining and binding the hooks, the signal handler);
 * without earlier rewrites to read back ({@link RewriteCache}) another thread loads ASM meanwhile
 * ({@link ClassRewriting#warmUp()}). That work overlaps the JVM's and the application's own start-up,
 * and a thread that loads one of the target classes before it is done waits for it
 * ({@link HookTransformer}). The set-up thread touches no target class of the application's path (JDK
 * internals are resolved lazily, see {@link JdkInternals}), so no class has to be retransformed and
 * nobody waits on anybody else's lock. What a framework needs (its instrumentations, its drain) is
 * created when the framework shows up, not here.
 *
 * <p>The exception is a JDK 24+ AOT cache: it loads the classes its training run loaded, target classes
 * among them, before {@code premain}, and their first use never passes the gate. Then {@code premain}
 * waits until the set-up has retransformed them ({@link HookTransformer#targetsLoadedBeforePremain}). In
 * a training run (the JVM writes an archive at exit) the transformer keeps what it rewrites, with the
 * classes nested with it, out of that archive ({@link HookTransformer#writesArchive}).
 */
public final class AgentInstaller {

  private AgentInstaller() {}

  /**
   * Installs the agent; {@code targets} is the switch that picks the instrumentation of each class as it loads
   * (the one list of every framework the agent supports, {@code dev.baton.agent.Instrumentations}).
   */
  public static void install(String args, String serverStarterPort, Instrumentation inst,
      HookTransformer.Targets targets) {
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
    HookTransformer transformer = new HookTransformer(targets);
    Thread setUp = new Thread(new SetUp(args, specs, options, inst, transformer), "baton-agent-set-up");
    setUp.setDaemon(true);
    transformer.register(inst, setUp);
    setUp.start();
    // A JDK 24+ AOT cache loads classes before premain; the application must wait for their rewrites.
    if (transformer.targetsLoadedBeforePremain(inst)) {
      transformer.awaitOpen();
    }
  }

  /** See {@link ClassRewriting#warmUp()}. */
  private static final class AsmWarmUp implements Runnable {
    @Override
    public void run() {
      ClassRewriting.warmUp();
    }
  }

  /** The set-up thread (a class, not a lambda: lambdas spin classes at start-up). */
  private record SetUp(String args, List<ListenerSpec> specs, AgentOptions options, Instrumentation inst,
      HookTransformer transformer) implements Runnable {

    @Override
    public void run() {
      try {
        RewriteCache rewrites = RewriteCache.open(options, System.getenv());
        transformer.useCache(rewrites);
        if (rewrites == null || !rewrites.hasEntries()) {
          Thread asmWarmUp = new Thread(new AsmWarmUp(), "baton-agent-asm-warm-up");
          asmWarmUp.setDaemon(true);
          asmWarmUp.start();
        }
        Notifier notifier = setUp();
        LazyJdkFiles.preload();
        if (notifier != null) {
          notifier.ready(); // nothing inherited, nothing to wait for
        }
      } catch (Throwable t) {
        transformer.abandon(inst);
        System.err.println("baton-agent: error: not installed, the application runs without it: " + t);
      }
    }

    /** Everything the injected code needs, then the gate opens; the notifier if ready at once. */
    private Notifier setUp() throws Throwable {
      BootstrapInjector.openJdkInternals(inst);
      ClassDataSharing archives = ClassDataSharing.ofThisJvm();
      transformer.writesArchive(archives.writesArchive());
      String unusedArchive = archives.unusedArchiveOption();
      if (unusedArchive != null) {
        Log.warn("the JVM does not use the archive " + unusedArchive + " (its own [aot] or [cds] lines say why); "
            + "with -javaagent, train the cache with the same -javaagent or with --add-modules=java.instrument "
            + "(agent/README.md, \"CDS and AOT caches\")");
      }
      Class<?> hooks = BootstrapInjector.defineHooks(JdkInternals.sunNioChLookup());
      transformer.hooksDefined();
      JdkInternals jdk = new JdkInternals();
      Notifier notifier = Notifier.fromEnvironment(System.getenv(), jdk);
      // Said as early as possible: a supervisor in "auto" readiness (baton's default) then knows this
      // worker speaks sd_notify and waits for READY=1, instead of calling a JVM that is still starting
      // ready once --interval has passed.
      notifier.status("baton-agent attached, waiting for the application to bind");
      WarmUp.install(warmUpOptions(), notifier);
      ConnectionTracker connections = new ConnectionTracker(jdk);
      SocketAdopter adopter = new SocketAdopter(jdk, specs, notifier, connections);
      SocketAdopter.install(adopter);
      // The frameworks' drains are created when their first server registers (LazyDrain).
      Drainer drainer = new Drainer(adopter, connections, notifier);
      FrameworkDrains.install(drainer, connections);

      HookBindings.bind(hooks, adopter);
      // Before the gate opens: once it is open the application can adopt, say READY=1 and be sent TERM.
      DrainSignal.install(options.drainSignal(), drainer, options.drainTimeout(), options.keepAliveGrace());
      // baton's death (even SIGKILL) closes BATON_LIFELINE_FD: then drain and exit, or serve on (lifeline=)
      SupervisorLifeline.watch(System.getenv(), jdk, args, options.drainSignal());
      transformer.open(inst);
      return adopter.allAccepting() ? notifier : null;
    }

    private WarmUpOptions warmUpOptions() {
      try {
        return WarmUpOptions.parse(args);
      } catch (IllegalArgumentException e) {
        return WarmUpOptions.DEFAULTS; // AgentOptions has already printed the warning for it
      }
    }
  }
}
