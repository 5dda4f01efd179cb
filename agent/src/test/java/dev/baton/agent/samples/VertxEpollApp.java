package dev.baton.agent.samples;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/** {@link VertxApp} on Netty's native epoll transport ({@code preferNativeTransport}). */
public final class VertxEpollApp {

  public static void main(String[] args) throws Exception {
    Vertx vertx = VertxApp.start(Integer.parseInt(args[0]), new VertxOptions().setPreferNativeTransport(true));
    if (!vertx.isNativeTransportEnabled()) {
      System.err.println("native transport unavailable: " + vertx.unavailableNativeTransportCause());
      System.exit(1);
    }
  }
}
