package dev.baton.agent.samples;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
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
    serve(args[0], EpollIoHandler.newFactory(), EpollServerDomainSocketChannel.class);
  }

  /** The HTTP server on the Unix-domain socket {@code path}, on the transport given; closed in a shutdown hook. */
  static void serve(String path, IoHandlerFactory transport, Class<? extends ServerChannel> channel)
      throws InterruptedException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, transport);
    Channel server = new ServerBootstrap()
        .group(group)
        .channel(channel)
        .childHandler(NettyApp.httpPipeline())
        .bind(new DomainSocketAddress(path)).sync().channel();
    System.out.println("listening on " + server.localAddress() + " (" + server.getClass().getSimpleName() + ")");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close().syncUninterruptibly();
      group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }));
  }
}
