package dev.baton.agent.drain;

import dev.baton.agent.tooling.BatonInstrumentation;
import dev.baton.agent.tooling.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Tomcat's {@code org.apache.tomcat.util.net.AbstractEndpoint}: each endpoint (one per connector) is
 * registered for the drain. Tomcat is loaded by the application's class loader, which sees the agent's
 * classes through the system class loader, so this calls {@link DrainSingletons} directly.
 */
public final class TomcatEndpointInstrumentation implements BatonInstrumentation {

  @Override
  public String typeName() {
    return "org/apache/tomcat/util/net/AbstractEndpoint";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "<init>".equals(name) ? new Created(method) : method;
  }

  /** {@code DrainSingletons.tomcatEndpointCreated(this)} at the end of the constructor. */
  static final class Created extends Inject.Epilogue {
    Created(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitMethodInsn(Opcodes.INVOKESTATIC, "dev/baton/agent/drain/DrainSingletons", "tomcatEndpointCreated",
          "(Ljava/lang/Object;)V", false);
    }
  }
}
