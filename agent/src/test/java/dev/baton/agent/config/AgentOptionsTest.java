package dev.baton.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AgentOptionsTest {

  @Test
  void defaultsToTermThirtySecondsAndOneSecondOfKeepAliveGrace() {
    assertThat(AgentOptions.parse(null))
        .isEqualTo(new AgentOptions("TERM", Duration.ofSeconds(30), Duration.ofSeconds(1), ""));
    assertThat(AgentOptions.parse("")).isEqualTo(AgentOptions.DEFAULTS);
  }

  @Test
  void parsesSignalAndTimeout() {
    assertThat(AgentOptions.parse("signal=SIGUSR1,drainTimeout=500ms,keepAliveGrace=200ms"))
        .isEqualTo(new AgentOptions("USR1", Duration.ofMillis(500), Duration.ofMillis(200), ""));
    assertThat(AgentOptions.parse("drainTimeout=2m").drainTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(AgentOptions.parse("drainTimeout=45").drainTimeout()).isEqualTo(Duration.ofSeconds(45));
  }

  @Test
  void rewriteCacheIsADirectoryOrOff() {
    assertThat(AgentOptions.parse("cache=/var/cache/baton").rewriteCache()).isEqualTo("/var/cache/baton");
    assertThat(AgentOptions.parse("cache=off").rewriteCache()).isEqualTo(AgentOptions.NO_CACHE);
    assertThatThrownBy(() -> AgentOptions.parse("cache=")).hasMessageContaining("cache needs a directory or 'off'");
  }

  @Test
  void rejectsUnknownOptionsAndBadValues() {
    assertThatThrownBy(() -> AgentOptions.parse("colour=blue")).hasMessageContaining("colour");
    assertThatThrownBy(() -> AgentOptions.parse("drainTimeout=soon")).hasMessageContaining("drainTimeout");
    assertThatThrownBy(() -> AgentOptions.parse("signal=TE-RM")).hasMessageContaining("signal");
    assertThatThrownBy(() -> AgentOptions.parse("keepAliveGrace=1x")).hasMessageContaining("keepAliveGrace");
    assertThatThrownBy(() -> AgentOptions.parse("lifeline=maybe")).hasMessageContaining("lifeline 'maybe'");
    assertThatThrownBy(() -> AgentOptions.parse("lifelineGrace=later")).hasMessageContaining("lifelineGrace 'later'");
  }

  @Test
  void lifelineDefaultsToExitAfterTenSecondsAndCanServeOn() {
    assertThat(LifelineOptions.parse(null)).isEqualTo(new LifelineOptions(true, Duration.ofSeconds(10)));
    assertThat(LifelineOptions.parse("drainTimeout=5s")).isEqualTo(LifelineOptions.DEFAULTS);
    assertThat(LifelineOptions.parse("lifeline=serve")).isEqualTo(new LifelineOptions(false, Duration.ofSeconds(10)));
    assertThat(LifelineOptions.parse("signal=USR1,lifeline=exit,lifelineGrace=500ms"))
        .isEqualTo(new LifelineOptions(true, Duration.ofMillis(500)));
    assertThat(AgentOptions.parse("lifeline=serve,drainTimeout=5s").drainTimeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void warmUpIsOffUnlessANumberOfRequestsIsGivenAndItsTimeIsBounded() {
    assertThat(WarmUpOptions.parse(null).enabled()).isFalse();
    assertThat(WarmUpOptions.parse("drainTimeout=5s").enabled()).isFalse();
    assertThat(WarmUpOptions.parse("warmUp=200")).isEqualTo(new WarmUpOptions(200, Duration.ofSeconds(2)));
    assertThat(WarmUpOptions.parse("warmUp=50,warmUpTime=800ms")).isEqualTo(new WarmUpOptions(50, Duration.ofMillis(800)));
    assertThat(WarmUpOptions.parse("warmUp=off,signal=TERM").enabled()).isFalse();
    assertThat(AgentOptions.parse("warmUp=100,warmUpTime=5s,drainTimeout=5s").drainTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThatThrownBy(() -> AgentOptions.parse("warmUp=many")).hasMessageContaining("warmUp 'many'");
    assertThatThrownBy(() -> AgentOptions.parse("warmUp=-1")).hasMessageContaining("warmUp '-1'");
    assertThatThrownBy(() -> AgentOptions.parse("warmUpTime=5s")).hasMessageContaining("warmUpTime needs warmUp=N")
        .hasMessageContaining("--kill-old-delay");
    assertThatThrownBy(() -> AgentOptions.parse("warmUp=10,warmUpTime=0")).hasMessageContaining("warmUpTime must be more than 0");
  }
}
