package dev.baton.agent.inject;

import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * A framework's server (or endpoint, or connection) class: every instance is registered for the drain at the end
 * of each constructor, through {@code <entryPoints>.<hook>(this)}. Frameworks are loaded by the application's
 * class loaders, which see the agent's classes through the system class loader (but not the hook class inside
 * java.base), so the injected code calls the framework's own {@code *Singletons} directly.
 */
public final class CreatedInstrumentation implements BatonInstrumentation {

  private final String typeName;
  private final Class<?> entryPoints;
  private final String hook;

  /** {@code entryPoints.hook(Object)} after each constructor of {@code typeName} (e.g. {@code org/eclipse/jetty/server/Server}). */
  public CreatedInstrumentation(String typeName, Class<?> entryPoints, String hook) {
    this.typeName = typeName;
    this.entryPoints = entryPoints;
    this.hook = hook;
  }

  @Override
  public String typeName() {
    return typeName;
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "<init>".equals(name) ? new Created(method, entryPoints, hook) : method;
  }

  /** {@code <entryPoints>.<hook>(this)} before each return of a constructor. */
  static final class Created extends Inject.Epilogue {
    private final Class<?> entryPoints;
    private final String hook;

    Created(MethodVisitor method, Class<?> entryPoints, String hook) {
      super(method);
      this.entryPoints = entryPoints;
      this.hook = hook;
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 0);
      Inject.callAgent(m, entryPoints, hook, "(Ljava/lang/Object;)V");
    }
  }
}
