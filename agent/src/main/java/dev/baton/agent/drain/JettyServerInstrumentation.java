package dev.baton.agent.drain;

import dev.baton.agent.tooling.BatonInstrumentation;
import dev.baton.agent.tooling.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Jetty 12 {@code org.eclipse.jetty.server.Server}: each server is registered for the drain. Jetty is
 * loaded by the application's class loader, which sees the agent's classes through the system class
 * loader, so this calls {@link DrainSingletons} directly.
 */
public final class JettyServerInstrumentation implements BatonInstrumentation {

  @Override
  public String typeName() {
    return "org/eclipse/jetty/server/Server";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "<init>".equals(name) ? new Created(method) : method;
  }

  /** {@code DrainSingletons.jettyServerCreated(this)} at the end of every constructor. */
  static final class Created extends Inject.Epilogue {
    Created(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitMethodInsn(Opcodes.INVOKESTATIC, "dev/baton/agent/drain/DrainSingletons", "jettyServerCreated",
          "(Ljava/lang/Object;)V", false);
    }
  }
}
