package dev.baton.agent.samples;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), new Handler());
          }
        })
        .bind(port).sync().channel();
    System.out.println("listening on " + server.localAddress() + " (" + server.getClass().getSimpleName() + ")");
  }

  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      QueryStringDecoder uri = new QueryStringDecoder(request.uri());
      List<String> ms = uri.parameters().get("ms");
      if (uri.path().startsWith("/slow") && ms != null) {
        System.out.println("handling " + request.uri());
        ctx.executor().schedule(() -> respond(ctx), Long.parseLong(ms.get(0)), TimeUnit.MILLISECONDS);
      } else {
        respond(ctx);
      }
    }

    private static void respond(ChannelHandlerContext ctx) {
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
          Unpooled.copiedBuffer(Sample.body(), StandardCharsets.UTF_8));
      response.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
