package dev.baton.agent.samples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A blocking {@code java.net.ServerSocket} HTTP/1.0-style server, one thread per connection, every
 * response {@code Connection: close}. Sets IP_TOS on every accepted socket, as some servers do: that
 * fails on an inherited AF_INET socket unless the agent handles the family.
 */
public final class PlainServerSocketApp {

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    ServerSocket server = new ServerSocket();
    server.bind(new InetSocketAddress(port), 128);
    System.out.println("listening on " + server.getLocalSocketAddress());
    while (true) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (SocketException closed) {
        System.out.println("listener closed: " + closed.getMessage());
        return;
      }
      try {
        socket.setOption(StandardSocketOptions.IP_TOS, 0x10);
      } catch (IOException e) {
        System.out.println("IP_TOS failed: " + e);
      }
      new Thread(() -> serve(socket)).start();
    }
  }

  private static void serve(Socket socket) {
    try (socket) {
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      String requestLine = in.readLine();
      if (requestLine == null) {
        return;
      }
      String line;
      while ((line = in.readLine()) != null && !line.isEmpty()) {
        // headers are not needed
      }
      Sample.sleepFor(URI.create(requestLine.split(" ")[1]));
      byte[] body = Sample.body().getBytes(StandardCharsets.UTF_8);
      OutputStream out = socket.getOutputStream();
      out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
    } catch (IOException e) {
      System.out.println("connection failed: " + e);
    }
  }
}
