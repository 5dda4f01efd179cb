package dev.baton.agent.instrumentation.netty;


import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * The TCP server channel of one of Netty's native transports: each accepted connection becomes a channel in
 * its {@code newChildChannel}, the connection the drain waits for. epoll's
 * {@code EpollServerSocketChannel.newChildChannel(int fd, byte[] address, int offset, int len)} (Netty 4.1
 * and 4.2) and io_uring's {@code IoUringServerSocketChannel.newChildChannel(int fd, ByteBuffer address)}
 * (Netty 4.2).
 */
public final class NativeServerChannelInstrumentation implements BatonInstrumentation {

  static final String EPOLL_NEW_CHILD = "(I[BII)Lio/netty/channel/Channel;";

  private final String serverChannel;
  private final String newChildChannel;
  private final String channel;
  private final String socket;

  private NativeServerChannelInstrumentation(String serverChannel, String newChildChannel, String channel,
      String socket) {
    this.serverChannel = serverChannel;
    this.newChildChannel = newChildChannel;
    this.channel = channel;
    this.socket = socket;
  }

  public static NativeServerChannelInstrumentation epoll() {
    return new NativeServerChannelInstrumentation("io/netty/channel/epoll/EpollServerSocketChannel", EPOLL_NEW_CHILD,
        NativeChannelInstrumentation.EPOLL_CHANNEL, NativeChannelInstrumentation.EPOLL_SOCKET);
  }

  public static NativeServerChannelInstrumentation ioUring() {
    return new NativeServerChannelInstrumentation("io/netty/channel/uring/IoUringServerSocketChannel",
        "(ILjava/nio/ByteBuffer;)Lio/netty/channel/Channel;",
        NativeChannelInstrumentation.IO_URING_CHANNEL, NativeChannelInstrumentation.IO_URING_SOCKET);
  }

  @Override
  public String typeName() {
    return serverChannel;
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "newChildChannel".equals(name) && newChildChannel.equals(descriptor)
        ? new Accepted(method, channel, socket)
        : method;
  }

  /** {@code NettySingletons.accepted(this.socket, result)} before the result is returned. */
  static final class Accepted extends Inject.Epilogue {
    private final String channel;
    private final String socket;

    Accepted(MethodVisitor method, String channel, String socket) {
      super(method);
      this.channel = channel;
      this.socket = socket;
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitInsn(Opcodes.DUP);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitFieldInsn(Opcodes.GETFIELD, channel, "socket", socket);
      m.visitInsn(Opcodes.SWAP);
      Inject.callAgent(m, NettySingletons.class, "accepted", "(Ljava/lang/Object;Ljava/lang/Object;)V");
    }
  }
}
