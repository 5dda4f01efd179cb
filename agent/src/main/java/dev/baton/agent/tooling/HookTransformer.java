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
 * was loaded before. Every other class costs one switch on its name ({@link Instrumentations}).
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
      if (!transformed.contains(name) && targets.forType(name) != null) {
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
    BatonInstrumentation instrumentation = className == null ? null : targets.forType(className);
    if (instrumentation == null || !awaitSetUp(className)) {
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

  /** Whether to transform now: waits (bounded) for the set-up, except on the set-up thread itself. */
  private boolean awaitSetUp(String className) {
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
          Log.warn("the agent's set-up did not finish within " + SET_UP_LIMIT_SECONDS + " s; "
              + className.replace('/', '.') + " runs unchanged");
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
