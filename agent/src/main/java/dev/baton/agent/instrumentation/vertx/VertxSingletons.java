package dev.baton.agent.instrumentation.vertx;

import dev.baton.agent.drain.FrameworkDrains;
import dev.baton.agent.drain.LazyDrain;
import dev.baton.agent.notify.WarmUp;

/**
 * What the code injected into Vert.x calls (Vert.x is loaded by the application's class loader, which sees the
 * agent's classes). Each swallows what it throws: a failing agent must never break the application.
 */
public final class VertxSingletons {

  private static final LazyDrain<VertxHttpServerDrain> DRAIN = new LazyDrain<>() {
    @Override
    protected VertxHttpServerDrain create() {
      return new VertxHttpServerDrain();
    }
  };

  private VertxSingletons() {}

  /** After each constructor of {@code io.vertx.core.http.impl.HttpServerImpl}. */
  public static void serverCreated(Object server) {
    try {
      DRAIN.get().register(server);
    } catch (Throwable t) {
      // never break the application's constructor
    }
  }

  /**
   * In place of {@code HttpUtils.isKeepAlive(request)}'s answer while draining: true makes it false, so every
   * request begun from then on is answered with {@code Connection: close} and its connection closed after it.
   * Asked once per request as it begins: the warm-up ({@link WarmUp}) counts it here.
   */
  public static boolean closeAfterResponse() {
    WarmUp.answered();
    return FrameworkDrains.isDraining();
  }
}
