package dev.baton.agent.instrumentation.jdkhttpserver;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import dev.baton.agent.inject.NamedHooks;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/** The JDK's HttpServer ({@code jdk.httpserver}): each server is registered for the drain. */
public final class JdkHttpServerInstrumentation implements BatonInstrumentation {

  @Override
  public String typeName() {
    return "sun/net/httpserver/ServerImpl";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "<init>".equals(name) ? new Created(method) : method;
  }

  @Override
  public void bindHooks() throws ReflectiveOperationException {
    JdkHttpServerSingletons.bindServerCreated();
  }

  /** {@code BatonHooks.call("jdkhttpserver.serverCreated", this)} at the end of the constructor. */
  static final class Created extends Inject.Epilogue {
    Created(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitLdcInsn(JdkHttpServerSingletons.SERVER_CREATED);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      Inject.callHook(m, "call", NamedHooks.CALL_1);
      m.visitInsn(Opcodes.POP);
    }
  }
}
