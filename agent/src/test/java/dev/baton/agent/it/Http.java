package dev.baton.agent.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The two clients of the tests: the JDK's HttpClient (keep-alive) and a one-request-per-connection one. */
final class Http {

  private static final Pattern PID = Pattern.compile("pid:(\\d+)\n");

  private final HttpClient keepAlive = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10))
      .build();

  /** GET over a pooled keep-alive connection; returns the pid in the body, or throws. */
  long keepAliveGet(int port, String path) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(20))
        .build();
    HttpResponse<String> response = keepAlive.send(request, HttpResponse.BodyHandlers.ofString());
    return pidOf(response.statusCode(), response.body());
  }

  /** GET on a fresh connection with {@code Connection: close}, read to EOF; returns the pid, or throws. */
  static long closeGet(int port, String path) throws IOException {
    return closeGet(new InetSocketAddress("127.0.0.1", port), path);
  }

  /** The same to another address ({@code [::1]:port}, say). */
  static long closeGet(InetSocketAddress address, String path) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(address, 10_000);
      socket.setSoTimeout(20_000);
      return closeGet(socket.getOutputStream(), socket.getInputStream(), path);
    }
  }

  /**
   * The same over a Unix-domain socket (a blocking {@code SocketChannel}: no read timeout, so a server
   * that never answers hangs the caller until the test's own timeout).
   */
  static long closeGet(Path socket, String path) throws IOException {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      return closeGet(Channels.newOutputStream(channel), Channels.newInputStream(channel), path);
    }
  }

  private static long closeGet(OutputStream out, InputStream in, String path) throws IOException {
    out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    int headerEnd = response.indexOf("\r\n\r\n");
    if (!response.startsWith("HTTP/1.1 200") || headerEnd < 0) {
      throw new IOException("bad response: '" + response + "'");
    }
    Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(response.substring(0, headerEnd));
    String body = response.substring(headerEnd + 4);
    if (length.find() && Integer.parseInt(length.group(1)) != body.length()) {
      throw new IOException("incomplete body: '" + response + "'");
    }
    return pidOf(200, body);
  }

  private static long pidOf(int status, String body) throws IOException {
    Matcher matcher = PID.matcher(body);
    if (status != 200 || !matcher.matches()) {
      throw new IOException("bad response " + status + ": '" + body + "'");
    }
    return Long.parseLong(matcher.group(1));
  }
}
