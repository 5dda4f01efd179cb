package dev.baton.agent.adopt;

import static dev.baton.agent.adopt.EpollChannelInstrumentation.SOCKET;
import static dev.baton.agent.adopt.EpollChannelInstrumentation.TYPE;
import static dev.baton.agent.adopt.NettySocketInstrumentation.SINGLETONS;

import dev.baton.agent.tooling.BatonInstrumentation;
import dev.baton.agent.tooling.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * {@code io.netty.channel.epoll.EpollServerSocketChannel}: each accepted connection becomes a channel
 * in its {@code newChildChannel(int fd, byte[] address, int offset, int len)} (Netty 4.1 and 4.2), the
 * connection the drain waits for.
 */
public final class EpollServerSocketChannelInstrumentation implements BatonInstrumentation {

  @Override
  public String typeName() {
    return "io/netty/channel/epoll/EpollServerSocketChannel";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "newChildChannel".equals(name) && "(I[BII)Lio/netty/channel/Channel;".equals(descriptor)
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
