package dev.baton.agent.instrumentation.netty;

import static dev.baton.agent.instrumentation.netty.NativeChannelInstrumentation.IO_URING_CHANNEL;
import static dev.baton.agent.instrumentation.netty.NativeChannelInstrumentation.IO_URING_SOCKET;

import dev.baton.agent.instrumentation.netty.NativeServerChannelInstrumentation.Accepted;
import dev.baton.agent.inject.BatonInstrumentation;
import net.bytebuddy.jar.asm.MethodVisitor;

/**
 * {@code io.netty.channel.uring.IoUringServerDomainSocketChannel}, Netty 4.2 io_uring's Unix-domain listener. It
 * binds through {@code unix.Socket.bind} like the TCP one, so adoption, readiness and the drain are shared; its
 * accepted connections come from its own {@code newChildChannel(int fd, ByteBuffer address)}. Its deletion of
 * the socket file on close is {@link IoUringDomainSocketFileInstrumentation}'s.
 */
public final class IoUringServerDomainSocketChannelInstrumentation implements BatonInstrumentation {

  @Override
  public String typeName() {
    return "io/netty/channel/uring/IoUringServerDomainSocketChannel";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "newChildChannel".equals(name) && "(ILjava/nio/ByteBuffer;)Lio/netty/channel/Channel;".equals(descriptor)
        ? new Accepted(method, IO_URING_CHANNEL, IO_URING_SOCKET)
        : method;
  }
}
