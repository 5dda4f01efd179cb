package dev.baton.sample;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

/** The JDK's {@code com.sun.net.httpserver.HttpServer}, a thread per request in flight. */
final class JdkSample {

  private JdkSample() {}

  static void start(SampleConfig config) throws IOException {
    InetSocketAddress address = config.host() == null
        ? new InetSocketAddress(config.port()) : new InetSocketAddress(config.host(), config.port());
    byte[] body = Reply.body(config.kind());
    HttpServer server = HttpServer.create(address, 0);
    // Requests sleep: a thread each, or 1000 concurrent clients would queue behind a small pool.
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", exchange -> handle(exchange, config.sleepMillis(), body));
    server.start();
    System.out.println("baton-sample: jdk HttpServer listening on " + server.getAddress()
        + ", pid " + ProcessHandle.current().pid());
  }

  private static void handle(HttpExchange exchange, long sleepMillis, byte[] body) throws IOException {
    try (exchange) {
      exchange.getRequestBody().readAllBytes();
      if (sleepMillis > 0) {
        try {
          Thread.sleep(sleepMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      exchange.getResponseHeaders().set("Content-Type", "text/plain");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
