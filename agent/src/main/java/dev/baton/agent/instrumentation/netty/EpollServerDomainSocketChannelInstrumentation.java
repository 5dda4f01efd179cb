package dev.baton.agent.instrumentation.netty;

import static dev.baton.agent.instrumentation.netty.NativeChannelInstrumentation.EPOLL_CHANNEL;
import static dev.baton.agent.instrumentation.netty.NativeChannelInstrumentation.EPOLL_SOCKET;

import dev.baton.agent.instrumentation.netty.NativeServerChannelInstrumentation.Accepted;
import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * {@code io.netty.channel.epoll.EpollServerDomainSocketChannel}, Netty epoll's Unix-domain listener (Netty
 * 4.1 and 4.2). It binds through {@code unix.Socket.bind} like the TCP one, so adoption, readiness and the
 * drain are shared; two things differ: its accepted connections come from its own
 * {@code newChildChannel(int fd, byte[] address, int offset, int len)}, and its {@code doClose()} deletes
 * the socket file it bound. An adopted path is the supervisor's, which the next generation accepts on: an
 * old worker whose application closes its server channel on the way out (a shutdown hook) would unlink it
 * under the new one, and every later {@code connect} would fail with "No such file or directory".
 */
public final class EpollServerDomainSocketChannelInstrumentation implements BatonInstrumentation {

  private static final String SERVER_CHANNEL = "io/netty/channel/epoll/AbstractEpollServerChannel";

  @Override
  public String typeName() {
    return "io/netty/channel/epoll/EpollServerDomainSocketChannel";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    switch (name + descriptor) {
      case "newChildChannel(I[BII)Lio/netty/channel/Channel;":
        return new Accepted(method, EPOLL_CHANNEL, EPOLL_SOCKET);
      case "doClose()V":
        return new CloseWithoutDeletingIfAdopted(method);
      default:
        return method;
    }
  }

  /**
   * {@code if (NettySingletons.keepsSocketFile(this.socket)) { super.doClose(); return; }}: everything
   * Netty's close does (the superclass closes the descriptor) but the file deletion that follows it.
   */
  static final class CloseWithoutDeletingIfAdopted extends Inject.Prologue {
    CloseWithoutDeletingIfAdopted(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitFieldInsn(Opcodes.GETFIELD, EPOLL_CHANNEL, "socket", EPOLL_SOCKET);
      Inject.callAgent(m, NettySingletons.class, "keepsSocketFile", "(Ljava/lang/Object;)Z");
      Label original = new Label();
      m.visitJumpInsn(Opcodes.IFEQ, original);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitMethodInsn(Opcodes.INVOKESPECIAL, SERVER_CHANNEL, "doClose", "()V", false);
      m.visitInsn(Opcodes.RETURN);
      m.visitLabel(original);
      m.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
      m.visitInsn(Opcodes.NOP);
    }
  }
}
