package dev.baton.agent.samples;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.transport.Transport;
import java.util.Optional;

/**
 * {@link VertxApp} on Netty 4.2's io_uring transport, asked for by name ({@code VertxBuilder.withTransport}):
 * Vert.x 5.0's {@code preferNativeTransport} picks epoll whenever epoll is available, and io_uring only when it
 * is not, so with both on the class path only the explicit choice gives io_uring.
 */
public final class VertxIoUringApp {

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.builder().with(new VertxOptions()).withTransport(Transport.IO_URING).build();
    if (!vertx.isNativeTransportEnabled()) {
      System.err.println("io_uring transport unavailable: " + vertx.unavailableNativeTransportCause());
      System.exit(1);
    }
    // Internal API, for the test only: which transport Vert.x really runs on.
    System.out.println("transport " + ((VertxInternal) vertx).transport().getClass().getSimpleName());
    VertxApp.serve(vertx, Integer.parseInt(args[0]), Optional.empty());
  }
}
