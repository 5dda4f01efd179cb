package dev.baton.agent.instrumentation.reactornetty;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Reactor Netty's {@code reactor.netty.http.server.HttpTrafficHandler}: every {@code HttpUtil.isKeepAlive(message)}
 * it asks (of each request as it arrives, of each response as it is written) answers false while draining.
 *
 * <p>Why: Reactor Netty's own graceful stop ({@code DisposableServer.disposeNow}, what Spring Boot's graceful
 * shutdown calls) waits for the requests in flight and then closes their connections, but their responses
 * were written as keep-alive, so a client may send its next request on a connection that is being closed and
 * get a reset; idle connections are closed at once, racing the same way. A false answer makes Reactor Netty
 * itself write {@code Connection: close} and close the connection after that response, in flight included
 * (the response's headers are checked as they are written). The drain then gives keep-alive clients the
 * agent's {@code keepAliveGrace} to leave this way before it closes what stayed idle
 * ({@link ReactorNettyServerDrain}).
 */
public final class ReactorNettyKeepAliveInstrumentation implements BatonInstrumentation {

  @Override
  public String typeName() {
    return "reactor/netty/http/server/HttpTrafficHandler";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return new FalseWhileDraining(method);
  }

  /** After each {@code invokestatic HttpUtil.isKeepAlive(HttpMessage)Z}: {@code ReactorNettySingletons.keepAlive(result)}. */
  static final class FalseWhileDraining extends MethodVisitor {
    FalseWhileDraining(MethodVisitor method) {
      super(Opcodes.ASM9, method);
    }

    @Override
    public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
      super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
      if (opcode == Opcodes.INVOKESTATIC && "io/netty/handler/codec/http/HttpUtil".equals(owner)
          && "isKeepAlive".equals(name) && "(Lio/netty/handler/codec/http/HttpMessage;)Z".equals(descriptor)) {
        Inject.callAgent(mv, ReactorNettySingletons.class, "keepAlive", "(Z)Z");
      }
    }
  }
}
