package dev.baton.agent.tooling;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.bootstrap.BootstrapInjector;
import dev.baton.agent.log.Log;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Applies each instrumentation to its one class, when that class loads, or by retransformation when it
 * was loaded before. Every other class costs one switch on its name ({@link Targets}: the
 * agent's one registry, {@code dev.baton.agent.Instrumentations}).
 *
 * <p>Registered at the very start of {@code premain}, while the rest of the agent is set up on its own
 * thread ({@link AgentInstaller}): the application starts meanwhile, and a thread that loads a target
 * class before the set-up is done waits for it (the injected code calls hooks that must be bound by
 * then). The set-up thread itself never waits: once the hook class exists (the injected code links
 * against it, and its hooks do nothing until bound) it transforms what it loads, such as
 * {@code sun.nio.ch.Net} when it checks the inherited sockets; a target class loaded before that is
 * retransformed when the gate opens.
 */
public final class HookTransformer implements ClassFileTransformer {

  /** Far above any set-up time; past it the class runs unchanged rather than hang the application. */
  private static final long SET_UP_LIMIT_SECONDS = 60;

  /** Which classes are rewritten, and how; asked once per class load. */
  public interface Targets {
    /** The instrumentation of the class named {@code internalName}, or null to leave it alone. */
    BatonInstrumentation forType(String internalName);

    /**
     * Whether {@code internalName} shares a nest with a rewritten class: it is, or is nested in, the
     * top-level class of one ({@code Outer} and every {@code Outer$...} for a target {@code Outer} or
     * {@code Outer$Inner}). Asked only in a training run (see {@link #writesArchive}).
     */
    default boolean inNestOfTarget(String internalName) {
      return false;
    }
  }

  private final Targets targets;
  /** Set by the set-up thread before anything is transformed; null: no cache. */
  private volatile RewriteCache cache;
  /**
   * Names already transformed at load, which open() need not retransform. By name alone: a second copy
   * of a class in another loader is loaded after the transformer exists, so it is transformed at load.
   */
  private final Set<String> transformed = ConcurrentHashMap.newKeySet();
  /** Packages of JDK modules other than java.base already wired to the hooks ({@link #prepare}). */
  private final Set<String> wiredPackages = ConcurrentHashMap.newKeySet();
  private volatile Instrumentation inst;
  private final Object gate = new Object();
  private volatile Thread setUpThread;
  private volatile boolean hooksDefined;
  /** Null while the set-up runs; then TRUE (transform) or FALSE (the set-up failed: transform nothing). */
  private volatile Boolean installed;
  /** Set by the set-up thread, before anything is transformed: the JVM writes a class-data archive at exit. */
  private volatile boolean writesArchive;

  public HookTransformer(Targets targets) {
    this.targets = targets;
  }

  /** Registers the transformer; target classes loaded from now on (by other threads) wait for {@link #open}. */
  public void register(Instrumentation inst, Thread setUp) {
    this.inst = inst;
    setUpThread = setUp;
    inst.addTransformer(this, true);
  }

  /** Rewrites are looked up in and kept in {@code cache} (null: none); before {@link #hooksDefined}. */
  void useCache(RewriteCache rewrites) {
    cache = rewrites;
  }

  /**
   * This JVM writes a class-data archive when it exits (an AOT cache's training run, or AppCDS's
   * {@code -XX:ArchiveClassesAtExit}): the JVM leaves every class a transformer changed out of it
   * ("Skipping ...: From ClassFileLoadHook"), and from now on the classes nested with a rewritten one
   * are given back as an unchanged copy so that it leaves them out too. Why: on JDK 25.0.3, with only
   * the rewritten classes left out, the JDK HttpServer sample's training run under {@code baton}
   * (the agent had rewritten {@code sun.net.httpserver.ServerImpl}, not {@code ServerImpl$Dispatcher}
   * and its other nested classes) made the cache's assembly crash in 3 of 4 attempts (SIGSEGV in
   * {@code AOTClassLinker::class_category_name}), and the cache of the fourth crashed every JVM that
   * used it (SIGSEGV in {@code AOTLinkedClassBulkLoader}). With whole nests left out: none of 8
   * assemblies or their caches. Apparently JDK-8380409 ("JVM crashes when -XX:AOTMode=create uses
   * app.aotconf generated with JVMTI agent"), fixed upstream and backported to 26u, not to this 25.0.3.
   * Called before {@link #hooksDefined}.
   */
  void writesArchive(boolean training) {
    writesArchive = training;
  }

  /** The hook class is defined in java.base: the set-up thread may transform what it loads. */
  public void hooksDefined() {
    hooksDefined = true;
  }

  /**
   * Called by the set-up thread when the hooks are bound: retransforms the target classes loaded
   * before, then lets waiting threads transform theirs.
   */
  public void open(Instrumentation inst) {
    List<Class<?>> loaded = new ArrayList<>();
    for (Class<?> type : inst.getAllLoadedClasses()) {
      String name = type.getName().replace('.', '/');
      if (!transformed.contains(name) && (targets.forType(name) != null || leftOutOfArchive(name))) {
        loaded.add(type);
      }
    }
    installed = Boolean.TRUE;
    if (!loaded.isEmpty()) {
      try {
        inst.retransformClasses(loaded.toArray(new Class<?>[0]));
      } catch (Throwable t) {
        Log.error("cannot retransform " + loaded + "; they run unchanged", t);
      }
    }
    synchronized (gate) {
      gate.notifyAll();
    }
  }

  /** The set-up failed: waiting threads go on with their classes unchanged. */
  public void abandon(Instrumentation inst) {
    installed = Boolean.FALSE;
    inst.removeTransformer(this);
    synchronized (gate) {
      gate.notifyAll();
    }
  }

  @Override
  public byte[] transform(
      Module module, ClassLoader loader, String className, Class<?> redefined,
      ProtectionDomain domain, byte[] classfile) {
    if (className == null) {
      return null;
    }
    BatonInstrumentation instrumentation = targets.forType(className);
    if (instrumentation == null) {
      if (leftOutOfArchive(className)) {
        transformed.add(className);
        return classfile.clone(); // "changed": the JVM keeps it out of the archive it writes
      }
      return null;
    }
    if (!awaitSetUp(className.replace('/', '.') + " runs unchanged")) {
      return null;
    }
    try {
      RewriteCache rewrites = cache;
      byte[] rewritten = rewrites == null ? null : rewrites.lookup(className, classfile);
      if (rewritten == null) {
        rewritten = ClassRewriting.rewrite(classfile, instrumentation);
        if (rewrites != null) {
          rewrites.store(className, classfile, rewritten);
        }
      }
      prepare(module, className, instrumentation);
      transformed.add(className);
      return rewritten;
    } catch (Throwable t) {
      Log.error("cannot instrument " + className + "; it runs unchanged", t);
      return null;
    }
  }

  /**
   * What the rewritten class needs before it is defined: a class of a JDK module other than java.base (the JDK
   * HttpServer's) calls the hooks in java.base, whose package must be exported to its module, and the agent reads
   * its package's internals; and the hooks its injected code calls by name must be bound.
   */
  private void prepare(Module module, String className, BatonInstrumentation instrumentation)
      throws ReflectiveOperationException {
    if (module != null && module.isNamed() && module != Object.class.getModule()) {
      String pkg = className.substring(0, Math.max(0, className.lastIndexOf('/'))).replace('/', '.');
      if (wiredPackages.add(module.getName() + "/" + pkg)) {
        BootstrapInjector.openToHooks(inst, module, pkg);
      }
    }
    instrumentation.bindHooks();
  }

  /** In a training run, whether the JVM must leave this class out of its archive (see {@link #writesArchive}). */
  private boolean leftOutOfArchive(String className) {
    return writesArchive && targets.inNestOfTarget(className);
  }

  /**
   * Whether the JVM loaded a class this transformer rewrites before {@code premain}: a JDK 24+ AOT cache
   * (JEP 483, {@code -XX:AOTCache}) loads and links every class its training run loaded, application
   * classes included, before any agent runs. Such a class never passes the gate at load (the JDK
   * HttpServer sample's first bind found {@code ServerSocketChannelImpl} loaded, untransformed, and bound
   * normally: {@code BindException}), so {@code premain} must {@link #awaitOpen}. Without such a cache
   * nothing rewritten is loaded that early (a CDS archive, default or AppCDS, maps classes but loads each
   * when first used, through the transformer).
   *
   * <p>Asked in {@code premain}, so the common answer is cheap (0.1-0.6 ms on two cores at load 30):
   * without an AOT cache the application class loader has defined no class but the agent's own yet (the
   * main class comes after {@code premain}). Only when it has are all loaded classes' names looked at:
   * 5-15 ms for the 1,700 classes of the JDK HttpServer sample's cache, ~30 ms for Spring Boot's 7,600
   * (same machine). Another agent earlier on the command line defines classes there too and costs that
   * look, no more.
   */
  public boolean targetsLoadedBeforePremain(Instrumentation inst) {
    ClassLoader application = ClassLoader.getSystemClassLoader();
    // The agent's own classes come from its jar, which the JVM appended to the class path: one
    // protection domain (the class loader keeps one per code source).
    ProtectionDomain agent = HookTransformer.class.getProtectionDomain();
    boolean applicationClassesLoaded = false;
    for (Class<?> type : inst.getInitiatedClasses(application)) {
      if (type.getClassLoader() == application && type.getProtectionDomain() != agent) {
        applicationClassesLoaded = true;
        break;
      }
    }
    if (!applicationClassesLoaded) {
      return false;
    }
    for (Class<?> type : inst.getAllLoadedClasses()) {
      if (!type.isArray() && targets.forType(type.getName().replace('.', '/')) != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * Called in {@code premain} when a cache loaded target classes before it
   * ({@link #targetsLoadedBeforePremain}): the application must not run before they are retransformed,
   * since no class load of theirs passes the gate. Returns once the set-up opened it or gave up (bounded,
   * as for any other waiting thread).
   */
  public void awaitOpen() {
    awaitSetUp("the classes a class-data cache loaded before premain run unchanged");
  }

  /**
   * Whether to transform now: waits (bounded) for the set-up, except on the set-up thread itself;
   * {@code unchanged} says what runs unchanged if the set-up never ends.
   */
  private boolean awaitSetUp(String unchanged) {
    Boolean state = installed;
    if (state != null) {
      return state;
    }
    if (Thread.currentThread() == setUpThread) {
      return hooksDefined; // if not, retransformed by open()
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SET_UP_LIMIT_SECONDS);
    synchronized (gate) {
      while ((state = installed) == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          Log.warn("the agent's set-up did not finish within " + SET_UP_LIMIT_SECONDS + " s; " + unchanged);
          return false;
        }
        try {
          gate.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return state;
  }
}
