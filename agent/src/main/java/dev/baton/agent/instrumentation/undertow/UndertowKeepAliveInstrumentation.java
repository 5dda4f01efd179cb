package dev.baton.agent.instrumentation.undertow;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * Undertow 2's {@code io.undertow.server.protocol.http.HttpTransferEncoding.createSinkConduit}: while
 * draining, the exchange becomes not persistent before Undertow prepares the response headers, so the
 * response carries {@code Connection: close} and Undertow closes the connection after it. Undertow calls
 * this method when a response begins (not when its request arrives), so a request already in flight when
 * the drain starts is answered that way too; without it the connection would stay open and idle, to be
 * closed under the client's next request.
 */
public final class UndertowKeepAliveInstrumentation implements BatonInstrumentation {

  private static final String EXCHANGE = "io/undertow/server/HttpServerExchange";

  @Override
  public String typeName() {
    return "io/undertow/server/protocol/http/HttpTransferEncoding";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    if (!"createSinkConduit".equals(name)) {
      return method;
    }
    // Static; 2.3 and 2.4 take (HttpServerExchange), other versions (StreamSinkConduit, HttpServerExchange).
    int slot = 0;
    for (Type argument : Type.getArgumentTypes(descriptor)) {
      if (argument.getInternalName().equals(EXCHANGE)) {
        return new NotPersistentWhenDraining(method, slot);
      }
      slot += argument.getSize();
    }
    return method;
  }

  /** {@code if (UndertowSingletons.closeAfterResponse()) exchange.setPersistent(false);} before the method's code. */
  static final class NotPersistentWhenDraining extends Inject.Prologue {
    private final int exchangeSlot;

    NotPersistentWhenDraining(MethodVisitor method, int exchangeSlot) {
      super(method);
      this.exchangeSlot = exchangeSlot;
    }

    @Override
    protected void emit(MethodVisitor m) {
      Label original = new Label();
      Inject.callAgent(m, UndertowSingletons.class, "closeAfterResponse", "()Z");
      m.visitJumpInsn(Opcodes.IFEQ, original);
      m.visitVarInsn(Opcodes.ALOAD, exchangeSlot);
      m.visitInsn(Opcodes.ICONST_0);
      m.visitMethodInsn(Opcodes.INVOKEVIRTUAL, EXCHANGE, "setPersistent", "(Z)L" + EXCHANGE + ";", false);
      m.visitInsn(Opcodes.POP);
      m.visitLabel(original);
      m.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
      // Keeps the method's own first frame, if any, at a different offset than this one.
      m.visitInsn(Opcodes.NOP);
    }
  }
}
