package dev.baton.agent.samples;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.DatagramPacket;
import java.nio.charset.StandardCharsets;

/**
 * Plain Netty 4.2 on the native epoll transport (binds through JNI, not the JDK): one response per
 * connection ({@code Connection: close}), like {@link NettyApp}; {@code /slow?ms=N} waits. With a
 * second argument {@code udp} it first binds a UDP channel on the same port too (as HTTP/3 beside
 * HTTP/1.1 does), answering each datagram with {@code pid:<pid>}.
 */
public final class NettyEpollApp {

  public static void main(String[] args) throws InterruptedException {
    int port = Integer.parseInt(args[0]);
    Epoll.ensureAvailability();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    if (args.length > 1 && args[1].equals("udp")) {
      Channel udp = new Bootstrap()
          .group(group)
          .channel(EpollDatagramChannel.class)
          .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
              ctx.writeAndFlush(new DatagramPacket(
                  Unpooled.copiedBuffer(Sample.body(), StandardCharsets.UTF_8), packet.sender()));
            }
          })
          .bind(port).sync().channel();
      System.out.println("udp on " + udp.localAddress());
    }
    Channel server = new ServerBootstrap()
        .group(group)
        .channel(EpollServerSocketChannel.class)
        .childHandler(NettyApp.httpPipeline())
        .bind(port).sync().channel();
    System.out.println("listening on " + server.localAddress() + " (" + server.getClass().getSimpleName() + ")");
  }
}
