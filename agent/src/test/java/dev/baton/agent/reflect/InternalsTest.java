package dev.baton.agent.reflect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.OtherJdk;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every JDK or framework internal the agent reaches by reflection is an {@link Internal} that the running versions
 * have (on both JDKs here: Debian's 17.0.15 differs from other 17 builds, Temurin 25 from both), and no class of
 * the agent looks a member up any other way, so none can fail unannounced on another version.
 */
class InternalsTest {

  @Test
  void everyDeclaredInternalResolvesOnThisJdkAndTheTestedFrameworks() {
    List<Internal> all = InternalDeclarations.all();

    assertThat(all).hasSizeGreaterThan(80);
    assertThat(all.stream().filter(Internal::isJdk)).hasSizeGreaterThan(15);
    assertThat(InternalDeclarations.unresolved(all)).isEmpty();
  }

  @Test
  void everyDeclaredInternalResolvesOnTheOtherJdk() throws Exception {
    assertThat(OtherJdk.run(InternalDeclarations.class)).contains("0 of ");
  }

  @Test
  void theAgentLooksMembersUpOnlyThroughInternal() {
    assertThat(InternalDeclarations.agentClasses()).hasSizeGreaterThan(50);
    assertThat(InternalDeclarations.lookupsOutsideInternal()).isEmpty();
  }
}
