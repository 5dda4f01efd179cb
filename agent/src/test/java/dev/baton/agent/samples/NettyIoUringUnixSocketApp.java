package dev.baton.agent.samples;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * {@link NettyEpollUnixSocketApp} on Netty 4.2's io_uring transport ({@code IoUringServerDomainSocketChannel}):
 * the HTTP server on a Unix-domain socket at the path given, its server channel closed in a shutdown hook, and
 * Netty's close of that channel deletes the socket file (in a listener on the close future).
 */
public final class NettyIoUringUnixSocketApp {

  public static void main(String[] args) throws InterruptedException {
    IoUring.ensureAvailability();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, IoUringIoHandler.newFactory());
    Channel server = new ServerBootstrap()
        .group(group)
        .channel(IoUringServerDomainSocketChannel.class)
        .childHandler(NettyApp.httpPipeline())
        .bind(new DomainSocketAddress(args[0])).sync().channel();
    System.out.println("listening on " + server.localAddress() + " (" + server.getClass().getSimpleName() + ")");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close().syncUninterruptibly();
      group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }));
  }
}
