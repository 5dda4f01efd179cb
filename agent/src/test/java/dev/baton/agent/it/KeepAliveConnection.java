package dev.baton.agent.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One connection used the way ApacheBench {@code -k} uses it: HTTP/1.0 requests with
 * {@code Connection: Keep-Alive}, each response read by its {@code Content-Length}, the next request sent
 * on the same connection as long as the response mentions keep-alive.
 */
final class KeepAliveConnection implements AutoCloseable {

  private static final Pattern LENGTH = Pattern.compile("content-length: *(\\d+)");

  /** A response: its head (status line and headers, lower-cased) and body. */
  record Response(String head, String body) {
    boolean keepsAlive() {
      return head.contains("keep-alive");
    }
  }

  private final Socket socket = new Socket();

  KeepAliveConnection(int port) throws IOException {
    socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    socket.setSoTimeout(20_000);
  }

  Response get(String path) throws IOException {
    send(path);
    return read();
  }

  /** Sends a request without waiting for its response. */
  void send(String path) throws IOException {
    socket.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: Keep-Alive\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Sends a request of the caller's own ({@code head}: request line and headers) and reads its response. */
  Response exchange(String head) throws IOException {
    socket.getOutputStream().write((head + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    return read();
  }

  /** Reads one response. */
  Response read() throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after " + head.size() + " bytes of response: '" + head + "'");
      }
      head.write(b);
    }
    String headText = head.toString(StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
    Matcher length = LENGTH.matcher(headText);
    if (!length.find()) {
      throw new IOException("no content-length in '" + headText + "'");
    }
    byte[] body = in.readNBytes(Integer.parseInt(length.group(1)));
    return new Response(headText, new String(body, StandardCharsets.ISO_8859_1));
  }

  /** The socket, for a test that goes on speaking another protocol on it. */
  Socket socket() {
    return socket;
  }

  /** True once the server has closed its side (read returns EOF). */
  boolean closedByServer() throws IOException {
    return socket.getInputStream().read() < 0;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
