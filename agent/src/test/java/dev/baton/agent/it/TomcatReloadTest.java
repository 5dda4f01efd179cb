package dev.baton.agent.it;

import dev.baton.agent.samples.TomcatApp;

/** Embedded Tomcat 11, NIO connector: netBind, blocking accept for readiness, the Tomcat endpoint drain. */
class TomcatReloadTest extends AbstractReloadTest {

  @Override
  String mainClass() {
    return TomcatApp.class.getName();
  }
}
