package dev.baton.agent.samples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * A server that knows nothing of Baton: the JDK's HttpServer on the port given, answering
 * {@code pid:<pid>}; {@code /slow?ms=N} answers after N ms; {@code /freeze-dispatcher?ms=N} see
 * {@link #freezeDispatcher}. Run by the tests in its own JVM.
 */
public final class JdkHttpServerApp {

  public static void main(String[] args) throws IOException {
    String host = args.length > 1 ? args[1] : null;
    int port = Integer.parseInt(args[0]);
    InetSocketAddress address = host == null ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    HttpServer server = HttpServer.create(address, 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", JdkHttpServerApp::handle);
    server.start();
    System.out.println("listening on " + server.getAddress());
    if (Boolean.getBoolean("sample.startupReport")) {
      // For start-up cost measurements: JVM uptime and CPU time (all threads) when serving starts.
      long cpu = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis()).orElse(-1L);
      System.out.println("startup uptime=" + java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime()
          + "ms cpu=" + cpu + "ms");
    }
  }

  private static void handle(HttpExchange exchange) throws IOException {
    Sample.sleepFor(exchange.getRequestURI());
    String query = exchange.getRequestURI().getQuery();
    if (exchange.getRequestURI().getPath().equals("/freeze-dispatcher") && query != null && query.startsWith("ms=")) {
      freezeDispatcher(Long.parseLong(query.substring(3)));
    }
    byte[] body = Sample.body().getBytes(StandardCharsets.UTF_8);
    exchange.getRequestBody().readAllBytes();
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /**
   * Once this exchange is over, suspends the server's one dispatcher thread for {@code millis}, as a
   * loaded machine deschedules it: requests that arrive meanwhile wait unread in their sockets while
   * the server's books show their connections idle. {@code Thread.suspend} still works on JDK 17.
   */
  @SuppressWarnings("removal")
  private static void freezeDispatcher(long millis) {
    Thread freezer = new Thread(() -> {
      Sample.sleep(300); // the dispatcher first ends the exchange that asked for this
      Thread dispatcher = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().equals("HTTP-Dispatcher")).findFirst().orElseThrow();
      dispatcher.suspend();
      System.out.println("dispatcher frozen");
      Sample.sleep(millis);
      System.out.println("dispatcher resuming");
      dispatcher.resume();
    }, "dispatcher-freezer");
    freezer.setDaemon(true);
    freezer.start();
  }
}
