package dev.baton.agent.instrumentation.jdkhttpserver;

import static dev.baton.agent.tooling.Inject.callHook;

import dev.baton.agent.tooling.BatonInstrumentation;
import dev.baton.agent.tooling.Inject;
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

  /** {@code BatonHooks.onHttpServerCreated(this)} at the end of the constructor. */
  static final class Created extends Inject.Epilogue {
    Created(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 0);
      callHook(m, "onHttpServerCreated", "(Ljava/lang/Object;)V");
    }
  }
}
