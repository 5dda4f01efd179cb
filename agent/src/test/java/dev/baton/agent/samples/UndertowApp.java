package dev.baton.agent.samples;

import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.util.Headers;
import java.net.URI;
import java.util.function.UnaryOperator;

/**
 * Undertow 2 (XNIO NIO transport) with a blocking handler answering {@code pid:<pid>}; {@code /slow?ms=N}
 * waits. As most applications do, it wraps its handler in nothing graceful and adds no shutdown hook
 * ({@link UndertowGracefulApp} is the variant that does both).
 */
public final class UndertowApp {

  public static void main(String[] args) {
    serve(Integer.parseInt(args[0]), UnaryOperator.identity());
  }

  /** Starts Undertow on all interfaces with the sample handler, wrapped by {@code wrap}. */
  static Undertow serve(int port, UnaryOperator<HttpHandler> wrap) {
    return serve(port, wrap, UnaryOperator.identity());
  }

  /** As {@link #serve(int, UnaryOperator)}, with the builder's options set by {@code configure}. */
  static Undertow serve(int port, UnaryOperator<HttpHandler> wrap, UnaryOperator<Undertow.Builder> configure) {
    // BlockingHandler moves each request off the I/O thread, so /slow can sleep.
    HttpHandler pid = new BlockingHandler(exchange -> {
      String query = exchange.getQueryString();
      Sample.sleepFor(URI.create(exchange.getRequestPath() + (query.isEmpty() ? "" : "?" + query)));
      exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
      exchange.getResponseSender().send(Sample.body());
    });
    Undertow server = configure.apply(Undertow.builder()
        .addHttpListener(port, "0.0.0.0")
        .setHandler(wrap.apply(pid)))
        .build();
    server.start();
    System.out.println("listening on " + server.getListenerInfo().get(0).getAddress());
    return server;
  }
}
