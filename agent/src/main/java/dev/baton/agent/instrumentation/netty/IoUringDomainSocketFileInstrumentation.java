package dev.baton.agent.instrumentation.netty;

import static dev.baton.agent.instrumentation.netty.NativeChannelInstrumentation.IO_URING_CHANNEL;
import static dev.baton.agent.instrumentation.netty.NativeChannelInstrumentation.IO_URING_SOCKET;
import static dev.baton.agent.inject.Inject.returnIfTrue;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * The close listener that Netty 4.2's {@code IoUringServerDomainSocketChannel} adds to its own close future in
 * its constructor (an anonymous class, {@code IoUringServerDomainSocketChannel$1} in Netty 4.2.9 and 4.2.10): it
 * deletes the socket file the channel bound. For an adopted path that file is the supervisor's, which the next
 * generation accepts on, and an old worker whose application closes its server channel on the way out (a
 * shutdown hook) would unlink it under the new one: every later {@code connect} would fail with "No such file or
 * directory". Unlike epoll's channel, whose {@code doClose()} deletes the file ({@link
 * EpollServerDomainSocketChannelInstrumentation}), this one has no method of its own to rewrite. A Netty that
 * renamed the class would delete the file again; {@code NettyIoUringUnixSocketReloadTest} checks it stays.
 */
public final class IoUringDomainSocketFileInstrumentation implements BatonInstrumentation {

  private static final String LISTENER = "io/netty/channel/uring/IoUringServerDomainSocketChannel$1";
  private static final String SERVER_CHANNEL = "Lio/netty/channel/uring/IoUringServerDomainSocketChannel;";

  @Override
  public String typeName() {
    return LISTENER;
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "operationComplete".equals(name) && "(Lio/netty/channel/ChannelFuture;)V".equals(descriptor)
        ? new KeepFileIfAdopted(method)
        : method;
  }

  /** {@code if (NettySingletons.keepsSocketFile(this$0.socket)) return;}: the channel is closed, the file stays. */
  static final class KeepFileIfAdopted extends Inject.Prologue {
    KeepFileIfAdopted(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitFieldInsn(Opcodes.GETFIELD, LISTENER, "this$0", SERVER_CHANNEL);
      m.visitFieldInsn(Opcodes.GETFIELD, IO_URING_CHANNEL, "socket", IO_URING_SOCKET);
      Inject.callAgent(m, NettySingletons.class, "keepsSocketFile", "(Ljava/lang/Object;)Z");
      returnIfTrue(m);
    }
  }
}
