package dev.baton.agent.instrumentation.netty;


import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * The channel base class of one of Netty's native transports: a server channel starts accepting when its
 * {@code doBeginRead()} is first called, and its {@code socket} field is the transport's {@code LinuxSocket},
 * a {@code unix.Socket} whose bind and listen {@link NettySocketInstrumentation} adopts. Readiness, and the
 * channel the drain later stops. One instance per transport: epoll ({@code doBeginRead} asks the event
 * loop for EPOLLIN, Netty 4.1 and 4.2 alike) and io_uring (it submits the first
 * {@code IORING_OP_ACCEPT}, Netty 4.2).
 */
public final class NativeChannelInstrumentation implements BatonInstrumentation {

  static final String EPOLL_CHANNEL = "io/netty/channel/epoll/AbstractEpollChannel";
  static final String EPOLL_SOCKET = "Lio/netty/channel/epoll/LinuxSocket;";
  static final String IO_URING_CHANNEL = "io/netty/channel/uring/AbstractIoUringChannel";
  static final String IO_URING_SOCKET = "Lio/netty/channel/uring/LinuxSocket;";

  private final String channel;
  private final String socket;

  private NativeChannelInstrumentation(String channel, String socket) {
    this.channel = channel;
    this.socket = socket;
  }

  public static NativeChannelInstrumentation epoll() {
    return new NativeChannelInstrumentation(EPOLL_CHANNEL, EPOLL_SOCKET);
  }

  public static NativeChannelInstrumentation ioUring() {
    return new NativeChannelInstrumentation(IO_URING_CHANNEL, IO_URING_SOCKET);
  }

  @Override
  public String typeName() {
    return channel;
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "doBeginRead".equals(name) && "()V".equals(descriptor) ? new Reading(method, channel, socket) : method;
  }

  /** {@code NettySingletons.reading(this, this.socket)}. */
  static final class Reading extends Inject.Prologue {
    private final String channel;
    private final String socket;

    Reading(MethodVisitor method, String channel, String socket) {
      super(method);
      this.channel = channel;
      this.socket = socket;
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitFieldInsn(Opcodes.GETFIELD, channel, "socket", socket);
      Inject.callAgent(m, NettySingletons.class, "reading", "(Ljava/lang/Object;Ljava/lang/Object;)V");
    }
  }
}
