package dev.baton.testkit.signal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Signals by name to a real process, and to one that is gone. */
class SignalsTest {

  @Test
  void aSignalByNameArrivesAndOneToAProcessThatIsGoneSaysSo() throws Exception {
    Process sh = new ProcessBuilder("sh", "-c", "trap 'echo HUP' HUP; trap 'echo USR2; exit 0' USR2; echo ready; "
        + "while :; do sleep 0.05; done").start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(sh.getInputStream()))) {
      assertThat(out.readLine()).isEqualTo("ready");
      assertThat(Signals.send(sh.pid(), "HUP")).isTrue();
      assertThat(out.readLine()).isEqualTo("HUP");
      Signals.require(sh.pid(), "SIGUSR2");
      assertThat(out.readLine()).isEqualTo("USR2");
    }
    assertThat(sh.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(Signals.send(sh.pid(), "TERM")).as("gone").isFalse();
    assertThatThrownBy(() -> Signals.require(sh.pid(), "TERM")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> Signals.send(sh.pid(), "HUP; rm -rf /")).isInstanceOf(IllegalArgumentException.class);
  }
}
