package dev.baton.agent.samples;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.util.Version;

/**
 * {@link NettyEpollApp} written against the API Netty 4.1 and 4.2 share ({@code EpollEventLoopGroup}, which
 * 4.2 deprecates for {@code MultiThreadIoEventLoopGroup}), so the same class runs on a Netty 4.1 class path.
 * Prints the Netty version it runs on.
 */
public final class Netty41EpollApp {

  @SuppressWarnings("deprecation") // the 4.1 API on purpose: this sample exists to run on Netty 4.1
  public static void main(String[] args) throws InterruptedException {
    int port = Integer.parseInt(args[0]);
    Epoll.ensureAvailability();
    System.out.println("netty " + Version.identify().get("netty-transport").artifactVersion());
    EventLoopGroup group = new EpollEventLoopGroup(2);
    Channel server = new ServerBootstrap()
        .group(group)
        .channel(EpollServerSocketChannel.class)
        .childHandler(NettyApp.httpPipeline())
        .bind(port).sync().channel();
    System.out.println("listening on " + server.localAddress() + " (" + server.getClass().getSimpleName() + ")");
  }
}
