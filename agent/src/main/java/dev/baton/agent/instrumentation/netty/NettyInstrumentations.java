package dev.baton.agent.instrumentation.netty;

import dev.baton.agent.inject.BatonInstrumentation;
import java.util.List;

/**
 * Netty's classes the agent rewrites: the native transports' binds (epoll and io_uring, which never reach the
 * JDK), readiness and connections, and the HTTP/2 codec's connections for the drain's GOAWAY notice. Each
 * instrumentation is created when its class loads.
 */
public final class NettyInstrumentations {

  private NettyInstrumentations() {}

  /** The instrumentation of {@code internalName} (under {@code io/netty/}), or null. */
  public static BatonInstrumentation forType(String internalName) {
    return switch (internalName) {
      case "io/netty/channel/unix/Socket" -> new NettySocketInstrumentation();
      case "io/netty/channel/epoll/AbstractEpollChannel" -> NativeChannelInstrumentation.epoll();
      case "io/netty/channel/epoll/EpollServerSocketChannel" -> NativeServerChannelInstrumentation.epoll();
      case "io/netty/channel/epoll/EpollServerDomainSocketChannel" -> new EpollServerDomainSocketChannelInstrumentation();
      case "io/netty/channel/epoll/Native" -> new EpollNativeInstrumentation();
      case "io/netty/channel/uring/AbstractIoUringChannel" -> NativeChannelInstrumentation.ioUring();
      case "io/netty/channel/uring/IoUringServerSocketChannel" -> NativeServerChannelInstrumentation.ioUring();
      case "io/netty/channel/uring/IoUringServerDomainSocketChannel" -> new IoUringServerDomainSocketChannelInstrumentation();
      case "io/netty/channel/uring/IoUringServerDomainSocketChannel$1" -> new IoUringDomainSocketFileInstrumentation();
      case "io/netty/handler/codec/http2/Http2ConnectionHandler" -> new Http2ConnectionHandlerInstrumentation();
      default -> null;
    };
  }

  /** Every one of them, each once: what {@link #forType} answers for its own type name. */
  public static List<BatonInstrumentation> all() {
    return List.of(
        new NettySocketInstrumentation(),
        NativeChannelInstrumentation.epoll(),
        NativeServerChannelInstrumentation.epoll(),
        new EpollServerDomainSocketChannelInstrumentation(),
        new EpollNativeInstrumentation(),
        NativeChannelInstrumentation.ioUring(),
        NativeServerChannelInstrumentation.ioUring(),
        new IoUringServerDomainSocketChannelInstrumentation(),
        new IoUringDomainSocketFileInstrumentation(),
        new Http2ConnectionHandlerInstrumentation());
  }
}
