package dev.baton.agent.it;

import dev.baton.agent.samples.SpringBootJettyApp;

/** TODO */
class SpringBootJettyReloadTest extends AbstractReloadTest {

  @Override
  String mainClass() {
    return SpringBootJettyApp.class.getName();
  }
}
