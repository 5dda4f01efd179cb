package dev.baton.agent.instrumentation.tomcat;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Tomcat's {@code org.apache.coyote.http2.Http2Protocol.accept(Request)}, asked by {@code Http11Processor} whether
 * an HTTP/1.1 request's {@code Upgrade: h2c} is taken: while draining it answers false, so the request is served
 * over HTTP/1.1 and its response ends the connection ({@code Connection: close}, see
 * {@code TomcatHttp11ProcessorInstrumentation}); a server may ignore Upgrade (RFC 9110, section 7.8). Upgraded,
 * it became an HTTP/2 connection opened after the shutdown notice, which its client kept using until the stop
 * closed it, and the {@code 101} carried {@code Connection: close} beside {@code Connection: Upgrade}.
 */
public final class TomcatHttp2ProtocolInstrumentation implements BatonInstrumentation {

  @Override
  public String typeName() {
    return "org/apache/coyote/http2/Http2Protocol";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "accept".equals(name) && "(Lorg/apache/coyote/Request;)Z".equals(descriptor)
        ? new DeclineWhenDraining(method) : method;
  }

  /** {@code if (TomcatSingletons.draining()) return false;} before the method's code. */
  static final class DeclineWhenDraining extends Inject.Prologue {
    DeclineWhenDraining(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      Label original = new Label();
      Inject.callAgent(m, TomcatSingletons.class, "draining", "()Z");
      m.visitJumpInsn(Opcodes.IFEQ, original);
      m.visitInsn(Opcodes.ICONST_0);
      m.visitInsn(Opcodes.IRETURN);
      m.visitLabel(original);
      m.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
      // Keeps the method's own first frame, if any, at a different offset than this one.
      m.visitInsn(Opcodes.NOP);
    }
  }
}
