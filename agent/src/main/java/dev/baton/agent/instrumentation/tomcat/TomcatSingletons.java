package dev.baton.agent.instrumentation.tomcat;

import dev.baton.agent.drain.FrameworkDrains;
import dev.baton.agent.drain.LazyDrain;
import dev.baton.agent.notify.WarmUp;

/** What the code injected into Tomcat calls (Tomcat is loaded by the application's class loader). */
public final class TomcatSingletons {

  private static final LazyDrain<TomcatEndpointDrain> DRAIN = new LazyDrain<>() {
    @Override
    protected TomcatEndpointDrain create() {
      return new TomcatEndpointDrain();
    }
  };

  private TomcatSingletons() {}

  /** After each constructor of {@code org.apache.tomcat.util.net.AbstractEndpoint} (one per connector). */
  public static void endpointCreated(Object endpoint) {
    try {
      DRAIN.get().register(endpoint);
    } catch (Throwable t) {
      // never break the application's constructor
    }
  }

  /**
   * In place of {@code endpoint.isRunning()} in {@code Acceptor.run}, where an accept failure is logged as an
   * error only while it answers true: false for an endpoint whose listener the drain closed.
   */
  public static boolean acceptFailureIsError(Object endpoint) {
    try {
      return TomcatEndpointDrain.acceptFailureIsError(DRAIN.ifCreated(), endpoint);
    } catch (Throwable t) {
      return true; // Tomcat's own behaviour: report the failure
    }
  }

  /**
   * Before each HTTP/1.1 response ({@code Http11Processor.prepareResponse}): counts it for the warm-up
   * ({@link WarmUp}); true while draining, so keep-alive ends.
   */
  public static boolean responseBegins() {
    WarmUp.answered();
    return draining();
  }

  /**
   * Before each {@code Upgrade: h2c} taken ({@code Http2Protocol.accept}): true while draining, so the upgrade is
   * declined. The agent's drain flag, set before {@code STOPPING=1} goes out, not the endpoints' own state, which
   * turns only when their accepts stop a moment later: a client that asked in between was upgraded (seen on JDK 25
   * under load).
   */
  public static boolean draining() {
    return FrameworkDrains.isDraining();
  }
}
