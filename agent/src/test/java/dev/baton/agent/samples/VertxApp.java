package dev.baton.agent.samples;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PfxOptions;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Vert.x 5 HTTP server (Netty NIO transport), answering {@code pid:<pid>}; {@code /slow?ms=N} waits. HTTP/1.1 and
 * h2c; with a key store after the port ({@link TlsKeyStore}), HTTPS instead, HTTP/2 negotiated by ALPN.
 * {@code -Dsample.trafficClass=N} sets IP_TOS on every accepted connection (Netty logs a warning when
 * that fails, as it does on an inherited AF_INET socket under the JDK's INET6 channel without the agent's
 * family mapping).
 */
public final class VertxApp {

  public static void main(String[] args) throws Exception {
    start(Integer.parseInt(args[0]), new VertxOptions(), TlsKeyStore.fromArgs(args));
  }

  static Vertx start(int port, VertxOptions options) throws Exception {
    return start(port, options, Optional.empty());
  }

  static Vertx start(int port, VertxOptions options, Optional<Path> keyStore) throws Exception {
    return serve(Vertx.vertx(options), port, keyStore);
  }

  static Vertx serve(Vertx vertx, int port, Optional<Path> keyStore) throws Exception {
    HttpServerOptions serverOptions = new HttpServerOptions();
    keyStore.ifPresent(path -> serverOptions.setSsl(true).setUseAlpn(true)
        .setKeyCertOptions(new PfxOptions().setPath(path.toString()).setPassword(TlsKeyStore.PASSWORD)));
    Integer trafficClass = Integer.getInteger("sample.trafficClass");
    if (trafficClass != null) {
      serverOptions.setTrafficClass(trafficClass);
    }
    HttpServer server = vertx.createHttpServer(serverOptions)
        .requestHandler(request -> handle(vertx, request))
        .listen(port)
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.out.println("listening on " + server.actualPort() + (keyStore.isPresent() ? " (TLS)" : ""));
    return vertx;
  }

  private static void handle(Vertx vertx, HttpServerRequest request) {
    String ms = request.path().startsWith("/slow") ? request.getParam("ms") : null;
    if (ms == null) {
      request.response().end(Sample.body());
      return;
    }
    System.out.println("handling " + request.uri());
    vertx.setTimer(Long.parseLong(ms), timer -> request.response().end(Sample.body()));
  }
}
