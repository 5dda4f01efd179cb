package dev.baton.agent.instrumentation.reactornetty;

import dev.baton.agent.drain.FrameworkDrains;
import dev.baton.agent.drain.LazyDrain;

/** What the code injected into Reactor Netty calls (Reactor Netty is loaded by the application's class loader). */
public final class ReactorNettySingletons {

  private static final LazyDrain<ReactorNettyServerDrain> DRAIN = new LazyDrain<>() {
    @Override
    protected ReactorNettyServerDrain create() {
      return new ReactorNettyServerDrain();
    }
  };

  private ReactorNettySingletons() {}

  /** After each constructor of {@code ServerTransport$DisposableBind} (a bound server, TCP and HTTP alike). */
  public static void serverCreated(Object server) {
    try {
      DRAIN.get().register(server);
    } catch (Throwable t) {
      // never break the application's constructor
    }
  }

  /**
   * After each {@code HttpUtil.isKeepAlive} that {@code HttpTrafficHandler} asks: false once draining, so that the
   * response ends its connection with {@code Connection: close}.
   */
  public static boolean keepAlive(boolean keepAlive) {
    return keepAlive && !FrameworkDrains.isDraining();
  }
}
