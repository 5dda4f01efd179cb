package dev.baton.agent.samples;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * {@code AsynchronousServerSocketChannel} (the API under Tomcat's NIO2 connector): one request per
 * connection, answered {@code pid:<pid>} with {@code Connection: close}; {@code /slow?ms=N} waits.
 */
public final class AsyncChannelApp {

  public static void main(String[] args) throws Exception {
    AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open()
        .bind(new InetSocketAddress(Integer.parseInt(args[0])), 128);
    System.out.println("listening on " + server.getLocalAddress());
    CountDownLatch closed = new CountDownLatch(1);
    server.accept(null, new CompletionHandler<AsynchronousSocketChannel, Void>() {
      @Override
      public void completed(AsynchronousSocketChannel connection, Void unused) {
        server.accept(null, this);
        new Thread(() -> serve(connection)).start();
      }

      /**
       * The channel's end once it is closed (the drain closes it): a pending accept fails with
       * AsynchronousCloseException, one begun after the close (in completed, above) with ClosedChannelException.
       * A failure while the channel is open is the sample's failure.
       */
      @Override
      public void failed(Throwable t, Void unused) {
        if (server.isOpen() || !(t instanceof ClosedChannelException)) {
          System.out.println("accept failed: " + t);
        }
        closed.countDown();
      }
    });
    closed.await();
  }

  private static void serve(AsynchronousSocketChannel connection) {
    try (connection) {
      ByteBuffer buffer = ByteBuffer.allocate(8192);
      String request = "";
      while (!request.contains("\r\n\r\n") && connection.read(buffer).get() > 0) {
        request = new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1);
      }
      if (request.isEmpty()) {
        return;
      }
      Sample.sleepFor(URI.create(request.split(" ")[1]));
      byte[] body = Sample.body().getBytes(StandardCharsets.UTF_8);
      ByteBuffer response = ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length
          + "\r\nConnection: close\r\n\r\n" + Sample.body()).getBytes(StandardCharsets.ISO_8859_1));
      while (response.hasRemaining()) {
        connection.write(response).get();
      }
    } catch (IOException | RuntimeException | java.util.concurrent.ExecutionException e) {
      System.out.println("connection failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
