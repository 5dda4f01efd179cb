package dev.baton.agent.tooling;

import dev.baton.agent.Log;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassWriter;

/**
 * Applies each instrumentation to its one class, when that class loads, or at once by
 * retransformation when it is already loaded. Every other class costs one map lookup.
 */
public final class HookTransformer implements ClassFileTransformer {

  private final Map<String, BatonInstrumentation> byType = new HashMap<>();

  public HookTransformer(List<BatonInstrumentation> instrumentations) {
    for (BatonInstrumentation instrumentation : instrumentations) {
      byType.put(instrumentation.typeName(), instrumentation);
    }
  }

  /** Registers the transformer and retransforms the target classes the JVM already loaded. */
  public void install(Instrumentation inst) {
    inst.addTransformer(this, true);
    List<Class<?>> loaded = new ArrayList<>();
    for (Class<?> type : inst.getAllLoadedClasses()) {
      if (byType.containsKey(type.getName().replace('.', '/'))) {
        loaded.add(type);
      }
    }
    if (!loaded.isEmpty()) {
      try {
        inst.retransformClasses(loaded.toArray(new Class<?>[0]));
      } catch (Throwable t) {
        Log.error("cannot retransform " + loaded + "; they run unchanged", t);
      }
    }
  }

  @Override
  public byte[] transform(
      Module module, ClassLoader loader, String className, Class<?> redefined,
      ProtectionDomain domain, byte[] classfile) {
    BatonInstrumentation instrumentation = className == null ? null : byType.get(className);
    if (instrumentation == null) {
      return null;
    }
    try {
      ClassReader reader = new ClassReader(classfile);
      // No COMPUTE_FRAMES: it would load classes from inside the transformer. Inject gives the frames.
      ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
      reader.accept(new MethodRewriter(writer, instrumentation), 0);
      return writer.toByteArray();
    } catch (Throwable t) {
      Log.error("cannot instrument " + className + "; it runs unchanged", t);
      return null;
    }
  }
}
