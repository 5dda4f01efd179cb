package dev.baton.agent.instrumentation.tomcat;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Tomcat's {@code org.apache.tomcat.util.net.Acceptor.run}: when {@code serverSocketAccept()} throws, the
 * acceptor logs an error unless {@code endpoint.isRunning()} is false. The drain closes the listener under
 * a running endpoint (Tomcat's own ways to wake the acceptor are unsafe on a shared socket, see
 * {@link TomcatEndpointDrain}), so that one call becomes {@code TomcatSingletons.acceptFailureIsError(endpoint)}:
 * false for an endpoint the drain stopped, {@code isRunning()} otherwise.
 */
public final class TomcatAcceptorInstrumentation implements BatonInstrumentation {

  @Override
  public String typeName() {
    return "org/apache/tomcat/util/net/Acceptor";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "run".equals(name) && "()V".equals(descriptor) ? new QuietWhenDraining(method) : method;
  }

  /** Replaces {@code invokevirtual AbstractEndpoint.isRunning()Z}; same stack shape (endpoint in, boolean out). */
  static final class QuietWhenDraining extends MethodVisitor {
    QuietWhenDraining(MethodVisitor method) {
      super(Opcodes.ASM9, method);
    }

    @Override
    public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
      if (opcode == Opcodes.INVOKEVIRTUAL && "isRunning".equals(name) && "()Z".equals(descriptor)
          && owner.startsWith("org/apache/tomcat/util/net/")) {
        Inject.callAgent(mv, TomcatSingletons.class, "acceptFailureIsError", "(Ljava/lang/Object;)Z");
      } else {
        super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
      }
    }
  }
}
