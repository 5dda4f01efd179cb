package dev.baton.agent.tooling;

import dev.baton.agent.Log;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassWriter;

/**
 * Applies each instrumentation to its one class, when that class loads, or by retransformation when it
 * was loaded before. Every other class costs one map lookup.
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

  private final Map<String, BatonInstrumentation> byType = new HashMap<>();
  /**
   * Names already transformed at load, which open() need not retransform. By name alone: a second copy
   * of a class in another loader is loaded after the transformer exists, so it is transformed at load.
   */
  private final Set<String> transformed = ConcurrentHashMap.newKeySet();
  private final Object gate = new Object();
  private volatile Thread setUpThread;
  private volatile boolean hooksDefined;
  /** Null while the set-up runs; then TRUE (transform) or FALSE (the set-up failed: transform nothing). */
  private volatile Boolean installed;

  public HookTransformer(List<BatonInstrumentation> instrumentations) {
    for (BatonInstrumentation instrumentation : instrumentations) {
      byType.put(instrumentation.typeName(), instrumentation);
    }
  }

  /** Registers the transformer; target classes loaded from now on (by other threads) wait for {@link #open}. */
  public void register(Instrumentation inst, Thread setUp) {
    setUpThread = setUp;
    inst.addTransformer(this, true);
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
      if (byType.containsKey(name) && !transformed.contains(name)) {
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
    BatonInstrumentation instrumentation = className == null ? null : byType.get(className);
    if (instrumentation == null || !awaitSetUp(className)) {
      return null;
    }
    try {
      ClassReader reader = new ClassReader(classfile);
      // No COMPUTE_FRAMES: it would load classes from inside the transformer. Inject gives the frames.
      ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
      reader.accept(new MethodRewriter(writer, instrumentation), 0);
      byte[] rewritten = writer.toByteArray();
      transformed.add(className);
      return rewritten;
    } catch (Throwable t) {
      Log.error("cannot instrument " + className + "; it runs unchanged", t);
      return null;
    }
  }

  /**
   * Runs ASM once over a small class of the agent's own, on a thread of its own started first thing in
   * {@code premain}: loading and first running ASM's classes is the largest single cost of the set-up
   * (~60 ms on two cores), and done here it overlaps the set-up's other work instead of delaying the
   * first target class.
   */
  public static void warmUp() {
    try (java.io.InputStream in = HookTransformer.class.getResourceAsStream("MethodRewriter.class")) {
      if (in == null) {
        return;
      }
      ClassReader reader = new ClassReader(in.readAllBytes());
      ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
      reader.accept(new MethodRewriter(writer, new WarmUpInstrumentation()), 0);
      writer.toByteArray();
    } catch (Throwable ignored) {
      // only a warm-up: the real transformations report their own failures
    }
  }

  /** Matches every method of the warmed-up class with a visitor that injects nothing. */
  private static final class WarmUpInstrumentation implements BatonInstrumentation {
    @Override
    public String typeName() {
      return "";
    }

    @Override
    public net.bytebuddy.jar.asm.MethodVisitor rewrite(String name, String descriptor,
        net.bytebuddy.jar.asm.MethodVisitor method) {
      return new net.bytebuddy.jar.asm.MethodVisitor(net.bytebuddy.jar.asm.Opcodes.ASM9, method) {};
    }
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
