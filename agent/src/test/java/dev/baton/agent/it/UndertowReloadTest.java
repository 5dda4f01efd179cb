package dev.baton.agent.it;

import dev.baton.agent.samples.UndertowApp;
import dev.baton.agent.samples.UndertowGracefulApp;
import org.junit.jupiter.api.Nested;

/**
 * Undertow 2: netBind through XNIO's {@code NioXnioWorker} ({@code ServerSocketChannel.bind}), OP_ACCEPT
 * registration for readiness, the Undertow drain; with and without the application's own
 * {@code GracefulShutdownHandler}.
 */
class UndertowReloadTest extends AbstractReloadTest {

  @Override
  String mainClass() {
    return UndertowApp.class.getName();
  }

  @Nested
  class WithGracefulShutdownHandler extends AbstractReloadTest {
    @Override
    String mainClass() {
      return UndertowGracefulApp.class.getName();
    }
  }
}
