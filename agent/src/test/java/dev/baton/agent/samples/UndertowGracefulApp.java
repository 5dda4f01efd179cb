package dev.baton.agent.samples;

import io.undertow.Undertow;
import io.undertow.server.handlers.GracefulShutdownHandler;

/**
 * {@link UndertowApp} done the way Undertow documents a graceful stop: the handler wrapped in a
 * {@link GracefulShutdownHandler}, and a shutdown hook that shuts it down, awaits the requests in
 * flight (up to 30 s) and stops the server.
 */
public final class UndertowGracefulApp {

  public static void main(String[] args) {
    GracefulShutdownHandler[] graceful = new GracefulShutdownHandler[1];
    Undertow server = UndertowApp.serve(Integer.parseInt(args[0]), handler -> {
      graceful[0] = new GracefulShutdownHandler(handler);
      return graceful[0];
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      graceful[0].shutdown();
      try {
        graceful[0].awaitShutdown(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      server.stop();
    }, "undertow-graceful-stop"));
  }
}
