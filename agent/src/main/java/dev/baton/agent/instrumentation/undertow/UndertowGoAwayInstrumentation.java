package dev.baton.agent.instrumentation.undertow;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Undertow 2's GOAWAY frame ({@code io.undertow.protocols.http2.Http2GoAwayStreamSinkChannel}) says it is the
 * connection's last frame ({@code isLastFrame()} is true), so Undertow shuts the TCP write side once it is
 * written. The drain's HTTP/2 shutdown notice ({@link UndertowHttp2Channels}) is such a frame with the last
 * stream id 2^31-1, after which the streams in flight still have to be answered: for that id the frame is not
 * the last. Undertow itself names a stream it has seen, never 2^31-1 in practice (a client would have used up
 * every stream id), and closes the connection after it anyway.
 */
public final class UndertowGoAwayInstrumentation implements BatonInstrumentation {

  private static final String TYPE = "io/undertow/protocols/http2/Http2GoAwayStreamSinkChannel";

  @Override
  public String typeName() {
    return TYPE;
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "isLastFrame".equals(name) && "()Z".equals(descriptor) ? new NoticeIsNotLast(method) : method;
  }

  /** {@code if (this.lastGoodStreamId == Integer.MAX_VALUE) return false;} before the method's code. */
  static final class NoticeIsNotLast extends Inject.Prologue {

    NoticeIsNotLast(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      Label original = new Label();
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitFieldInsn(Opcodes.GETFIELD, TYPE, "lastGoodStreamId", "I");
      m.visitLdcInsn(Integer.MAX_VALUE);
      m.visitJumpInsn(Opcodes.IF_ICMPNE, original);
      m.visitInsn(Opcodes.ICONST_0);
      m.visitInsn(Opcodes.IRETURN);
      m.visitLabel(original);
      m.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
      // Keeps the method's own first frame, if any, at a different offset than this one.
      m.visitInsn(Opcodes.NOP);
    }
  }
}
