package dev.baton.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A baton as those released before {@code POST /reload}'s {@code expect} answer: a real baton behind an HTTP
 * proxy that leaves {@code features} out of {@code GET /status} (they had none) and passes everything else
 * through. It keeps the bodies of the {@code POST /reload}s it passed on, so a test can see what was asked.
 */
public final class LegacyBatonProxy implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final int target;
  private final List<String> reloadBodies = new CopyOnWriteArrayList<>();

  private LegacyBatonProxy(int targetControlPort) throws IOException {
    this.target = targetControlPort;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::forward);
    server.start();
  }

  /** In front of {@code baton}'s control port. */
  public static LegacyBatonProxy of(Batons.Baton baton) throws IOException {
    return new LegacyBatonProxy(baton.controlPort());
  }

  /** The address the pod's {@code baton.dev/control-address} names. */
  public String controlAddress() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** The bodies of the reloads asked through the proxy ("" for none), in order. */
  public List<String> reloadBodies() {
    return reloadBodies;
  }

  private void forward(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      String path = ex.getRequestURI().getRawPath();
      if ("POST".equals(ex.getRequestMethod()) && "/reload".equals(path)) {
        reloadBodies.add(new String(body, StandardCharsets.UTF_8));
      }
      HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target + path))
          .timeout(Duration.ofSeconds(10))
          .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(body));
      for (String h : List.of("Authorization", "Content-Type")) {
        String v = ex.getRequestHeaders().getFirst(h);
        if (v != null) {
          req.header(h, v);
        }
      }
      HttpResponse<byte[]> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
      byte[] out = resp.body();
      if ("/status".equals(path) && resp.statusCode() == 200) {
        ObjectNode status = (ObjectNode) JSON.readTree(out);
        status.remove("features");
        out = JSON.writeValueAsBytes(status);
      }
      resp.headers().firstValue("Location").ifPresent(v -> ex.getResponseHeaders().add("Location", v));
      ex.getResponseHeaders().add("Content-Type", resp.headers().firstValue("Content-Type").orElse("application/json"));
      ex.sendResponseHeaders(resp.statusCode(), out.length == 0 ? -1 : out.length);
      ex.getResponseBody().write(out);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
