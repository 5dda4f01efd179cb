package dev.baton.agent.tooling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.OtherJdk;
import org.junit.jupiter.api.Test;

/**
 * Every class, method and field the code the agent injects calls exists where it says, on both JDKs here and with
 * the framework versions the tests run ({@link InjectedReferences}): a class of the agent moved to another package,
 * a hook renamed, or a framework method gone in a new version fails here, not in a worker linking the code.
 */
class InjectedReferencesTest {

  @Test
  void everyInjectedReferenceResolvesOnThisJdk() {
    assertThat(InjectedReferences.check()).isEmpty();
  }

  @Test
  void everyInjectedReferenceResolvesOnTheOtherJdk() throws Exception {
    assertThat(OtherJdk.run(InjectedReferences.class)).contains("0 problem(s)");
  }
}
