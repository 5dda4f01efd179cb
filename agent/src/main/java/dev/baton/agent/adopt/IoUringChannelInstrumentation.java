package dev.baton.agent.adopt;

import static dev.baton.agent.adopt.NettySocketInstrumentation.SINGLETONS;

import dev.baton.agent.tooling.BatonInstrumentation;
import dev.baton.agent.tooling.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * {@code io.netty.channel.uring.AbstractIoUringChannel} (Netty 4.2's io_uring transport): a server channel
 * starts accepting when its {@code doBeginRead()} is first called (it submits the first
 * {@code IORING_OP_ACCEPT}); its {@code socket} field is the transport's own {@code LinuxSocket}, a
 * {@code unix.Socket} whose bind and listen {@link NettySocketInstrumentation} already adopts. Readiness, and
 * the channel the drain later stops, as {@link EpollChannelInstrumentation} for epoll.
 */
public final class IoUringChannelInstrumentation implements BatonInstrumentation {

  static final String TYPE = "io/netty/channel/uring/AbstractIoUringChannel";
  static final String SOCKET = "Lio/netty/channel/uring/LinuxSocket;";

  @Override
  public String typeName() {
    return TYPE;
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "doBeginRead".equals(name) && "()V".equals(descriptor) ? new Reading(method) : method;
  }

  /** {@code NettySingletons.reading(this, this.socket)}. */
  static final class Reading extends Inject.Prologue {
    Reading(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitFieldInsn(Opcodes.GETFIELD, TYPE, "socket", SOCKET);
      m.visitMethodInsn(Opcodes.INVOKESTATIC, SINGLETONS, "reading", "(Ljava/lang/Object;Ljava/lang/Object;)V", false);
    }
  }
}
