package dev.baton.agent.samples;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * {@link NettyEpollApp}'s HTTP server on a Unix-domain socket at the path given
 * ({@code EpollServerDomainSocketChannel}). Like many applications it closes its server channel in a
 * shutdown hook, and Netty's close of a domain server channel deletes the socket file.
 */
public final class NettyEpollUnixSocketApp {

  public static void main(String[] args) throws InterruptedException {
    Epoll.ensureAvailability();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    Channel server = new ServerBootstrap()
        .group(group)
        .channel(EpollServerDomainSocketChannel.class)
        .childHandler(NettyApp.httpPipeline())
        .bind(new DomainSocketAddress(args[0])).sync().channel();
    System.out.println("listening on " + server.localAddress() + " (" + server.getClass().getSimpleName() + ")");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close().syncUninterruptibly();
      group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }));
  }
}
