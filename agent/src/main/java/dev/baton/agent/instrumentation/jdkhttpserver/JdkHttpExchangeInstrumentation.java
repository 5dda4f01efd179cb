package dev.baton.agent.instrumentation.jdkhttpserver;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import dev.baton.agent.inject.NamedHooks;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * The JDK's HttpServer exchanges: each response marks its connection as served (a drain must not close
 * a connection whose first request may be on its way), and while draining every response carries
 * {@code Connection: close}, so the server closes each connection right after a response instead of
 * later, while the client might be sending its next request on it.
 */
public final class JdkHttpExchangeInstrumentation implements BatonInstrumentation {

  private static final String TYPE = "sun/net/httpserver/ExchangeImpl";

  @Override
  public String typeName() {
    return TYPE;
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "sendResponseHeaders".equals(name) && "(IJ)V".equals(descriptor) ? new BeforeResponseHeaders(method) : method;
  }

  @Override
  public void bindHooks() throws ReflectiveOperationException {
    JdkHttpServerSingletons.bindResponding();
  }

  /** {@code BatonHooks.call("jdkhttpserver.responding", this, this.rspHdrs)}. */
  static final class BeforeResponseHeaders extends Inject.Prologue {
    BeforeResponseHeaders(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitLdcInsn(JdkHttpServerSingletons.RESPONDING);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitFieldInsn(Opcodes.GETFIELD, TYPE, "rspHdrs", "Lcom/sun/net/httpserver/Headers;");
      Inject.callHook(m, "call", NamedHooks.CALL_2);
      m.visitInsn(Opcodes.POP);
    }
  }
}
