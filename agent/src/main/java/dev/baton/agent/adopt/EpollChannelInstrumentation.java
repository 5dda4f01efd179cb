package dev.baton.agent.adopt;

import static dev.baton.agent.adopt.NettySocketInstrumentation.SINGLETONS;

import dev.baton.agent.tooling.BatonInstrumentation;
import dev.baton.agent.tooling.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * {@code io.netty.channel.epoll.AbstractEpollChannel}: a server channel starts accepting when its
 * {@code doBeginRead()} asks the event loop for EPOLLIN (Netty 4.1 and 4.2 alike; the channel's
 * {@code socket} field is its {@code LinuxSocket}). That is epoll's {@code OP_ACCEPT}: readiness, and the
 * channel the drain later deregisters.
 */
public final class EpollChannelInstrumentation implements BatonInstrumentation {

  static final String TYPE = "io/netty/channel/epoll/AbstractEpollChannel";
  static final String SOCKET = "Lio/netty/channel/epoll/LinuxSocket;";

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
