package dev.baton.agent.it;

import dev.baton.agent.samples.JettyApp;

/** Jetty 12: netBind through its ServerConnector, blocking accept for readiness, its graceful stop to drain. */
class JettyReloadTest extends AbstractReloadTest {

  @Override
  String mainClass() {
    return JettyApp.class.getName();
  }
}
