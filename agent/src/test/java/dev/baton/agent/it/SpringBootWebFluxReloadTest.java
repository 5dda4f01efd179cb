package dev.baton.agent.it;

import dev.baton.agent.samples.SpringBootWebFluxApp;

/** TODO */
class SpringBootWebFluxReloadTest extends AbstractReloadTest {

  @Override
  String mainClass() {
    return SpringBootWebFluxApp.class.getName();
  }
}
