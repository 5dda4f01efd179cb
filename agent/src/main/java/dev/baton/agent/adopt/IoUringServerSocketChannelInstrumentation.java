package dev.baton.agent.adopt;

import static dev.baton.agent.adopt.IoUringChannelInstrumentation.SOCKET;
import static dev.baton.agent.adopt.IoUringChannelInstrumentation.TYPE;
import static dev.baton.agent.adopt.NettySocketInstrumentation.SINGLETONS;

import dev.baton.agent.tooling.BatonInstrumentation;
import dev.baton.agent.tooling.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * {@code io.netty.channel.uring.IoUringServerSocketChannel}: each accepted connection becomes a channel in
 * its {@code newChildChannel(int fd, ByteBuffer acceptedAddress)} (Netty 4.2), the connection the drain
 * waits for.
 */
public final class IoUringServerSocketChannelInstrumentation implements BatonInstrumentation {

  @Override
  public String typeName() {
    return "io/netty/channel/uring/IoUringServerSocketChannel";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "newChildChannel".equals(name) && "(ILjava/nio/ByteBuffer;)Lio/netty/channel/Channel;".equals(descriptor)
        ? new Accepted(method)
        : method;
  }

  /** {@code NettySingletons.accepted(this.socket, result)} before the result is returned. */
  static final class Accepted extends Inject.Epilogue {
    Accepted(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitInsn(Opcodes.DUP);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitFieldInsn(Opcodes.GETFIELD, TYPE, "socket", SOCKET);
      m.visitInsn(Opcodes.SWAP);
      m.visitMethodInsn(Opcodes.INVOKESTATIC, SINGLETONS, "accepted", "(Ljava/lang/Object;Ljava/lang/Object;)V", false);
    }
  }
}
