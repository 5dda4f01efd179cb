package dev.baton.agent.samples;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * {@link NettyApp}'s HTTP server on Netty 4.2's io_uring transport ({@code IoUringServerSocketChannel}),
 * which binds through JNI like epoll but accepts through io_uring submissions instead of an epoll set. Like many
 * applications it closes its server channel in a shutdown hook and waits for the close, which on io_uring
 * completes only when Netty's own close of the descriptor does.
 */
public final class NettyIoUringApp {

  public static void main(String[] args) throws InterruptedException {
    int port = Integer.parseInt(args[0]);
    IoUring.ensureAvailability();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, IoUringIoHandler.newFactory());
    Channel server = new ServerBootstrap()
        .group(group)
        .channel(IoUringServerSocketChannel.class)
        .childHandler(NettyApp.httpPipeline())
        .bind(port).sync().channel();
    System.out.println("listening on " + server.localAddress() + " (" + server.getClass().getSimpleName() + ")");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close().syncUninterruptibly();
      group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }));
  }
}
