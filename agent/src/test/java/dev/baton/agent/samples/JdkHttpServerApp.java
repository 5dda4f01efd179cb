package dev.baton.agent.samples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.concurrent.Executors;

/**
 * A server that knows nothing of Baton: the JDK's HttpServer on the port given, answering
 * {@code pid:<pid>}; {@code /slow?ms=N} answers after N ms; {@code /freeze-dispatcher?until=FILE} see
 * {@link #freezeDispatcher} (needs {@code --add-opens jdk.httpserver/sun.net.httpserver=ALL-UNNAMED}).
 * Run by the tests in its own JVM.
 */
public final class JdkHttpServerApp {

  private static volatile HttpServer server;

  public static void main(String[] args) throws IOException {
    String host = args.length > 1 ? args[1] : null;
    int port = Integer.parseInt(args[0]);
    InetSocketAddress address = host == null ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    server = HttpServer.create(address, 0);
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
    if (exchange.getRequestURI().getPath().equals("/freeze-dispatcher") && query != null && query.startsWith("until=")) {
      String[] parameters = query.split("&lock=");
      freezeDispatcher(Path.of(URLDecoder.decode(parameters[0].substring("until=".length()), StandardCharsets.UTF_8)),
          parameters.length > 1 ? parameters[1] : "idleConnections");
    }
    byte[] body = Sample.body().getBytes(StandardCharsets.UTF_8);
    exchange.getRequestBody().readAllBytes();
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /**
   * Stops the server's one dispatcher thread from reading the next request of any idle keep-alive
   * connection until {@code release} exists (at most a minute), as a loaded machine does when it
   * deschedules that thread: such a request waits unread in its socket while the server's books still
   * show the connection idle.
   *
   * <p>How: the dispatcher takes a connection out of {@code ServerImpl.idleConnections} (a synchronized
   * set) when the connection turns readable, before it reads anything or counts a request as started;
   * a thread of ours holds that set's lock meanwhile, so the dispatcher blocks right there. The same in
   * JDK 17 and 25, unlike {@code Thread.suspend}, which throws since JDK 20. Everything else of the
   * server (its counts, its other sets, the exchange that asked for this) is left alone.
   *
   * <p>{@code &lock=NAME} holds another of {@code ServerImpl}'s synchronized connection sets instead
   * ({@code rspConnections}: whoever counts the responses in progress then blocks, the agent's drain too).
   */
  private static void freezeDispatcher(Path release, String lockedSet) {
    Object locked;
    Collection<?> responding;
    try {
      Object serverImpl = field(server, "server");
      locked = field(serverImpl, lockedSet);
      responding = (Collection<?>) field(serverImpl, "rspConnections");
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot reach ServerImpl.locked (run with --add-opens "
          + "jdk.httpserver/sun.net.httpserver=ALL-UNNAMED): " + e, e);
    }
    Thread freezer = new Thread(() -> {
      // This very exchange's connection leaves rspConnections (for idleConnections) once its response is
      // done, on the dispatcher: frozen before that, the server's books would show a response in progress
      // until the release, and a test could not tell "nothing in flight but a request unread" from it.
      long settled = System.nanoTime() + 5_000_000_000L;
      while (!"rspConnections".equals(lockedSet) && !responding.isEmpty() && System.nanoTime() - settled < 0) {
        Sample.sleep(5);
      }
      synchronized (locked) {
        System.out.println("dispatcher frozen");
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(release) && System.nanoTime() - deadline < 0) {
          Sample.sleep(10);
        }
        System.out.println("dispatcher released");
      }
    }, "dispatcher-freezer");
    freezer.setDaemon(true);
    freezer.start();
  }

  private static Object field(Object owner, String name) throws ReflectiveOperationException {
    Field field = owner.getClass().getDeclaredField(name);
    field.setAccessible(true);
    return field.get(owner);
  }
}
