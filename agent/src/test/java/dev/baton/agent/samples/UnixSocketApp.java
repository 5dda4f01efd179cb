package dev.baton.agent.samples;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A blocking Unix-domain socket server at the path given: writes {@code pid:<pid>} and closes. */
public final class UnixSocketApp {

  public static void main(String[] args) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(Path.of(args[0])));
    System.out.println("listening on " + server.getLocalAddress());
    while (true) {
      try (SocketChannel connection = server.accept()) {
        connection.write(ByteBuffer.wrap(Sample.body().getBytes(StandardCharsets.UTF_8)));
      } catch (IOException closed) {
        if (!server.isOpen()) {
          return;
        }
      }
    }
  }
}
