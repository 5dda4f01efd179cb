package dev.baton.agent.tooling;

import dev.baton.agent.adopt.AsyncServerSocketChannelInstrumentation;
import dev.baton.agent.adopt.EpollNativeInstrumentation;
import dev.baton.agent.adopt.EpollServerDomainSocketChannelInstrumentation;
import dev.baton.agent.adopt.IoUringDomainSocketFileInstrumentation;
import dev.baton.agent.adopt.IoUringServerDomainSocketChannelInstrumentation;
import dev.baton.agent.adopt.NativeChannelInstrumentation;
import dev.baton.agent.adopt.NativeServerChannelInstrumentation;
import dev.baton.agent.adopt.NetInstrumentation;
import dev.baton.agent.adopt.NettySocketInstrumentation;
import dev.baton.agent.adopt.NioSocketImplInstrumentation;
import dev.baton.agent.adopt.SelectionKeyInstrumentation;
import dev.baton.agent.adopt.ServerSocketChannelInstrumentation;
import dev.baton.agent.adopt.UnixAsyncServerSocketChannelInstrumentation;
import dev.baton.agent.drain.FrameworkCreatedInstrumentation;
import dev.baton.agent.drain.Http2ConnectionHandlerInstrumentation;
import dev.baton.agent.drain.JdkHttpExchangeInstrumentation;
import dev.baton.agent.drain.JdkHttpServerInstrumentation;
import dev.baton.agent.drain.ReactorNettyKeepAliveInstrumentation;
import dev.baton.agent.drain.TomcatAcceptorInstrumentation;
import dev.baton.agent.drain.TomcatHttp11ProcessorInstrumentation;
import dev.baton.agent.drain.TomcatHttp2ProtocolInstrumentation;
import dev.baton.agent.drain.UndertowGoAwayInstrumentation;
import dev.baton.agent.drain.UndertowKeepAliveInstrumentation;
import dev.baton.agent.drain.VertxKeepAliveInstrumentation;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Every class the agent rewrites, and the instrumentation for it, created when that class loads.
 *
 * <p>A switch on the class name rather than a map of instances: an instrumentation's classes (it and
 * its injecting visitors) load only if its target does, so a JDK HttpServer pays for the five classes it
 * uses and not for Netty's, Tomcat's or Undertow's ({@code premain} used to construct all of them before the
 * application's {@code main}: ~50 ms of class loading on its critical path). {@link #all()} lists the
 * same set for tests and must stay in step with the switch, which {@code InstrumentationsTest} checks.
 */
final class Instrumentations implements HookTransformer.Targets {

  /** The instrumentation of {@code internalName}, or null for every class the agent leaves alone. */
  @Override
  public BatonInstrumentation forType(String internalName) {
    return switch (internalName) {
      case "sun/nio/ch/ServerSocketChannelImpl" -> new ServerSocketChannelInstrumentation();
      case "sun/nio/ch/AsynchronousServerSocketChannelImpl" -> new AsyncServerSocketChannelInstrumentation();
      case "sun/nio/ch/UnixAsynchronousServerSocketChannelImpl" -> new UnixAsyncServerSocketChannelInstrumentation();
      case "sun/nio/ch/NioSocketImpl" -> new NioSocketImplInstrumentation();
      case "sun/nio/ch/SelectionKeyImpl" -> new SelectionKeyInstrumentation();
      // Always, although only an inherited AF_INET socket needs its hook: whether one was inherited is
      // known only once the sockets are checked, which loads Net, and transforming it then costs less
      // than a retransformation later.
      case "sun/nio/ch/Net" -> new NetInstrumentation();
      case "io/netty/channel/unix/Socket" -> new NettySocketInstrumentation();
      case "io/netty/channel/epoll/AbstractEpollChannel" -> NativeChannelInstrumentation.epoll();
      case "io/netty/channel/epoll/EpollServerSocketChannel" -> NativeServerChannelInstrumentation.epoll();
      case "io/netty/channel/epoll/EpollServerDomainSocketChannel" -> new EpollServerDomainSocketChannelInstrumentation();
      case "io/netty/channel/uring/AbstractIoUringChannel" -> NativeChannelInstrumentation.ioUring();
      case "io/netty/channel/uring/IoUringServerSocketChannel" -> NativeServerChannelInstrumentation.ioUring();
      case "io/netty/channel/uring/IoUringServerDomainSocketChannel" -> new IoUringServerDomainSocketChannelInstrumentation();
      case "io/netty/channel/uring/IoUringServerDomainSocketChannel$1" -> new IoUringDomainSocketFileInstrumentation();
      case "io/netty/channel/epoll/Native" -> new EpollNativeInstrumentation();
      case "sun/net/httpserver/ServerImpl" -> new JdkHttpServerInstrumentation();
      case "sun/net/httpserver/ExchangeImpl" -> new JdkHttpExchangeInstrumentation();
      case "io/vertx/core/http/impl/HttpServerImpl" -> FrameworkCreatedInstrumentation.vertxHttpServer();
      case "io/vertx/core/http/impl/HttpUtils" -> new VertxKeepAliveInstrumentation();
      case "org/eclipse/jetty/server/Server" -> FrameworkCreatedInstrumentation.jettyServer();
      case "org/apache/tomcat/util/net/AbstractEndpoint" -> FrameworkCreatedInstrumentation.tomcatEndpoint();
      case "org/apache/tomcat/util/net/Acceptor" -> new TomcatAcceptorInstrumentation();
      case "org/apache/coyote/http11/Http11Processor" -> new TomcatHttp11ProcessorInstrumentation();
      case "org/apache/coyote/http2/Http2Protocol" -> new TomcatHttp2ProtocolInstrumentation();
      case "io/undertow/Undertow" -> FrameworkCreatedInstrumentation.undertowServer();
      case "io/undertow/server/handlers/GracefulShutdownHandler" ->
          FrameworkCreatedInstrumentation.undertowGracefulShutdownHandler();
      case "io/undertow/server/protocol/http/HttpServerConnection" ->
          FrameworkCreatedInstrumentation.undertowConnection();
      case "io/undertow/server/protocol/http/HttpTransferEncoding" -> new UndertowKeepAliveInstrumentation();
      case "io/undertow/protocols/http2/Http2Channel" -> FrameworkCreatedInstrumentation.undertowHttp2Channel();
      case "io/undertow/protocols/http2/Http2GoAwayStreamSinkChannel" -> new UndertowGoAwayInstrumentation();
      case "reactor/netty/transport/ServerTransport$DisposableBind" ->
          FrameworkCreatedInstrumentation.reactorNettyServer();
      case "reactor/netty/http/server/HttpTrafficHandler" -> new ReactorNettyKeepAliveInstrumentation();
      case "io/netty/handler/codec/http2/Http2ConnectionHandler" -> new Http2ConnectionHandlerInstrumentation();
      default -> null;
    };
  }

  @Override
  public boolean inNestOfTarget(String internalName) {
    return NestHosts.NAMES.contains(topLevel(internalName));
  }

  private static String topLevel(String internalName) {
    int nested = internalName.indexOf('$');
    return nested < 0 ? internalName : internalName.substring(0, nested);
  }

  /** The top-level classes of the rewritten ones; built on first use, in training runs only. */
  private static final class NestHosts {
    static final Set<String> NAMES = names();

    private static Set<String> names() {
      Set<String> names = new HashSet<>();
      for (BatonInstrumentation instrumentation : all()) {
        names.add(topLevel(instrumentation.typeName()));
      }
      return names;
    }
  }

  /** Every instrumentation, each once: what {@link #forType} answers for its own type name. */
  static List<BatonInstrumentation> all() {
    return List.of(
        new ServerSocketChannelInstrumentation(),
        new AsyncServerSocketChannelInstrumentation(),
        new UnixAsyncServerSocketChannelInstrumentation(),
        new NioSocketImplInstrumentation(),
        new SelectionKeyInstrumentation(),
        new NetInstrumentation(),
        new NettySocketInstrumentation(),
        NativeChannelInstrumentation.epoll(),
        NativeServerChannelInstrumentation.epoll(),
        new EpollServerDomainSocketChannelInstrumentation(),
        new EpollNativeInstrumentation(),
        NativeChannelInstrumentation.ioUring(),
        NativeServerChannelInstrumentation.ioUring(),
        new IoUringServerDomainSocketChannelInstrumentation(),
        new IoUringDomainSocketFileInstrumentation(),
        new JdkHttpServerInstrumentation(),
        new JdkHttpExchangeInstrumentation(),
        FrameworkCreatedInstrumentation.vertxHttpServer(),
        new VertxKeepAliveInstrumentation(),
        FrameworkCreatedInstrumentation.jettyServer(),
        FrameworkCreatedInstrumentation.tomcatEndpoint(),
        new TomcatAcceptorInstrumentation(),
        new TomcatHttp11ProcessorInstrumentation(),
        new TomcatHttp2ProtocolInstrumentation(),
        FrameworkCreatedInstrumentation.undertowServer(),
        FrameworkCreatedInstrumentation.undertowGracefulShutdownHandler(),
        FrameworkCreatedInstrumentation.undertowConnection(),
        new UndertowKeepAliveInstrumentation(),
        FrameworkCreatedInstrumentation.undertowHttp2Channel(),
        new UndertowGoAwayInstrumentation(),
        FrameworkCreatedInstrumentation.reactorNettyServer(),
        new ReactorNettyKeepAliveInstrumentation(),
        new Http2ConnectionHandlerInstrumentation());
  }
}
