package dev.baton.agent.instrumentation.tomcat;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Tomcat's {@code org.apache.coyote.http11.Http11Processor.prepareResponse}: while draining, keep-alive ends
 * with the response being prepared ({@code Connection: close}, then Tomcat closes the connection). Tomcat
 * decides keep-alive when it reads a request, so a request already in flight when the drain starts would
 * otherwise leave its connection open and idle, to be closed under the client's next request.
 */
public final class TomcatHttp11ProcessorInstrumentation implements BatonInstrumentation {

  private static final String PROCESSOR = "org/apache/coyote/http11/Http11Processor";

  @Override
  public String typeName() {
    return PROCESSOR;
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "prepareResponse".equals(name) && "()V".equals(descriptor) ? new CloseWhenDraining(method) : method;
  }

  /** {@code if (TomcatSingletons.responseBegins()) this.keepAlive = false;} before the method's code. */
  static final class CloseWhenDraining extends Inject.Prologue {
    CloseWhenDraining(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      Label original = new Label();
      Inject.callAgent(m, TomcatSingletons.class, "responseBegins", "()Z");
      m.visitJumpInsn(Opcodes.IFEQ, original);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitInsn(Opcodes.ICONST_0);
      m.visitFieldInsn(Opcodes.PUTFIELD, PROCESSOR, "keepAlive", "Z");
      m.visitLabel(original);
      m.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
      // Keeps the method's own first frame, if any, at a different offset than this one.
      m.visitInsn(Opcodes.NOP);
    }
  }
}
