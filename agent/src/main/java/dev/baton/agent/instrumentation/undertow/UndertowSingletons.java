package dev.baton.agent.instrumentation.undertow;

import dev.baton.agent.drain.FrameworkDrains;
import dev.baton.agent.drain.LazyDrain;
import dev.baton.agent.notify.WarmUp;

/**
 * What the code injected into Undertow calls (Undertow is loaded by the application's class loader). Each
 * swallows what it throws: a failing agent must never break the application.
 */
public final class UndertowSingletons {

  private static final LazyDrain<UndertowDrain> DRAIN = new LazyDrain<>() {
    @Override
    protected UndertowDrain create() {
      return new UndertowDrain();
    }
  };

  private UndertowSingletons() {}

  /** After each constructor of {@code io.undertow.Undertow} (built by {@code Undertow.builder().build()}). */
  public static void serverCreated(Object server) {
    try {
      DRAIN.get().register(server);
    } catch (Throwable t) {
      // never break the application's constructor
    }
  }

  /** After each constructor of {@code GracefulShutdownHandler} (present if the application wrapped its handler in one). */
  public static void gracefulHandlerCreated(Object handler) {
    try {
      DRAIN.get().registerGracefulHandler(handler);
    } catch (Throwable t) {
      // never break the application's constructor
    }
  }

  /** After each constructor of {@code HttpServerConnection} (an HTTP/1.x connection). */
  public static void connectionCreated(Object connection) {
    try {
      DRAIN.get().registerConnection(connection);
    } catch (Throwable t) {
      // never break the application's constructor
    }
  }

  /** After each constructor of {@code Http2Channel} (an HTTP/2 connection). */
  public static void http2ChannelCreated(Object channel) {
    try {
      DRAIN.get().registerHttp2Channel(channel);
    } catch (Throwable t) {
      // never break the application's constructor
    }
  }

  /**
   * Before each response is prepared ({@code HttpTransferEncoding.createSinkConduit}): true once draining, so the
   * response is not persistent ({@code Connection: close}). Counts the response for the warm-up ({@link WarmUp}).
   */
  public static boolean closeAfterResponse() {
    WarmUp.answered();
    return FrameworkDrains.isDraining();
  }
}
