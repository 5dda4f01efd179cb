package dev.baton.testkit.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal HTTP client: one {@code GET} per connection, over TCP or a Unix-domain socket, the response read to
 * the end of the connection, so that a truncated or reset response is an exception, never a silent pass. Speaks
 * HTTP/1.0 (what start_server's Perl workers serve) or HTTP/1.1 with {@code Connection: close}.
 */
public final class Http {

  /** The request's protocol. */
  public enum Version {
    HTTP_1_0("HTTP/1.0", ""), HTTP_1_1("HTTP/1.1", "Connection: close\r\n");

    private final String text;
    private final String headers;

    Version(String text, String headers) {
      this.text = text;
      this.headers = headers;
    }
  }

  /** A whole response: its status line's version ({@code HTTP/1.1}), status and body. */
  public record Response(String version, int status, String body) {}

  /** No connection was made (refused, timed out, no such socket file): the request never left. */
  public static final class ConnectFailed extends IOException {
    public ConnectFailed(IOException cause) {
      super(cause.toString(), cause);
    }
  }

  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
  private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length: *(\\d+)");

  private Http() {}

  /** {@code GET path} in HTTP/1.0 on 127.0.0.1:port. */
  public static Response get(int port, String path) throws IOException {
    return get(new InetSocketAddress("127.0.0.1", port), path, Version.HTTP_1_0, 30_000);
  }

  /** {@code GET path} in HTTP/1.0 over the Unix-domain socket. */
  public static Response get(Path unixSocket, String path) throws IOException {
    return get(UnixDomainSocketAddress.of(unixSocket), path, Version.HTTP_1_0, 0);
  }

  /** The body of {@code GET path} on 127.0.0.1:port; fails on any status but 200. */
  public static String body(int port, String path) throws IOException {
    Response r = get(port, path);
    if (r.status() != 200) {
      throw new IOException("HTTP " + r.status() + " for " + path + ": " + r.body());
    }
    return r.body();
  }

  /** The body of an answer 200 on 127.0.0.1:port, or null while nothing answers so. */
  public static String bodyOrNull(int port, String path) {
    try {
      return body(port, path);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * {@code GET path} to {@code address} (TCP or Unix-domain); {@code readTimeoutMillis} bounds each read on TCP
   * (a Unix-domain channel has none: a server that never answers hangs the caller until the test's own timeout).
   */
  public static Response get(SocketAddress address, String path, Version version, int readTimeoutMillis)
      throws IOException {
    if (address instanceof UnixDomainSocketAddress) {
      try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        connect(() -> channel.connect(address));
        return exchange(Channels.newInputStream(channel), Channels.newOutputStream(channel), path, version);
      }
    }
    try (Socket socket = new Socket()) {
      connect(() -> socket.connect(address, CONNECT_TIMEOUT_MILLIS));
      socket.setSoTimeout(readTimeoutMillis);
      return exchange(socket.getInputStream(), socket.getOutputStream(), path, version);
    }
  }

  private interface Connect {
    void run() throws IOException;
  }

  private static void connect(Connect connect) throws ConnectFailed {
    try {
      connect.run();
    } catch (IOException e) {
      throw new ConnectFailed(e);
    }
  }

  private static Response exchange(InputStream in, OutputStream out, String path, Version version) throws IOException {
    out.write(("GET " + path + " " + version.text + "\r\nHost: 127.0.0.1\r\n" + version.headers + "\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    int headerEnd = response.indexOf("\r\n\r\n");
    if (!response.startsWith("HTTP/") || headerEnd < 0 || response.indexOf(' ') < 0) {
      throw new IOException("incomplete HTTP response: '" + response + "'");
    }
    String statusLine = response.substring(0, response.indexOf("\r\n"));
    String[] parts = statusLine.split(" ", 3);
    int status;
    try {
      status = Integer.parseInt(parts[1]);
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      throw new IOException("not an HTTP status line: '" + statusLine + "'");
    }
    String body = response.substring(headerEnd + 4);
    Matcher length = CONTENT_LENGTH.matcher(response.substring(0, headerEnd));
    if (length.find() && Integer.parseInt(length.group(1)) != body.getBytes(StandardCharsets.UTF_8).length) {
      throw new IOException("truncated HTTP response body: '" + body + "'");
    }
    return new Response(parts[0].toUpperCase(Locale.ROOT), status, body);
  }
}
