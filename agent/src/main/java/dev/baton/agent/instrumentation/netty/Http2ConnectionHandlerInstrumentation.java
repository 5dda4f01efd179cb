package dev.baton.agent.instrumentation.netty;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Netty's {@code io.netty.handler.codec.http2.Http2ConnectionHandler.handlerAdded(ctx)}: each HTTP/2
 * connection's context is registered for {@link NettyHttp2GoAway}, which sends the shutdown notice on it
 * when the drain begins. The handler keeps no context of its own, and the notice must go through the
 * handler ({@code goAway(ctx, ...)}) so that Netty's connection state knows a GOAWAY was sent.
 * Subclasses (Vert.x's {@code VertxHttp2ConnectionHandler}, {@code Http2FrameCodec}) call this method.
 */
public final class Http2ConnectionHandlerInstrumentation implements BatonInstrumentation {

  @Override
  public String typeName() {
    return "io/netty/handler/codec/http2/Http2ConnectionHandler";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "handlerAdded".equals(name) && "(Lio/netty/channel/ChannelHandlerContext;)V".equals(descriptor)
        ? new Added(method)
        : method;
  }

  /** {@code NettySingletons.http2ConnectionAdded(ctx)} before each return. */
  static final class Added extends Inject.Epilogue {
    Added(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 1);
      Inject.callAgent(m, NettySingletons.class, "http2ConnectionAdded", "(Ljava/lang/Object;)V");
    }
  }
}
