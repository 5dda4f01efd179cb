package dev.baton.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServerStarterPortsTest {

  @Test
  void parsesEveryFormPerlWrites() {
    assertThat(ServerStarterPorts.parse("8080=3;127.0.0.1:8081=4;[::1]:8083=5;localhost:8084=6;/tmp/app.sock=7"))
        .containsExactly(
            new ListenerSpec("8080", null, 8080, null, 3),
            new ListenerSpec("127.0.0.1:8081", "127.0.0.1", 8081, null, 4),
            new ListenerSpec("[::1]:8083", "::1", 8083, null, 5),
            new ListenerSpec("localhost:8084", "localhost", 8084, null, 6),
            new ListenerSpec("/tmp/app.sock", null, 0, "/tmp/app.sock", 7));
  }

  @Test
  void emptyMeansNothingToAdopt() {
    assertThat(ServerStarterPorts.parse("")).isEmpty();
  }

  @Test
  void relativeUnixPathIsAPath() {
    assertThat(ServerStarterPorts.parse("run/app.sock=3").get(0).path()).isEqualTo("run/app.sock");
  }

  @ParameterizedTest
  @ValueSource(strings = {"8080", "8080=", "=3", "8080=x", "99999=3", "0=3", "host:port=3", "[::1=3", ":80=3", "garbage"})
  void rejectsMalformedEntries(String value) {
    assertThatThrownBy(() -> ServerStarterPorts.parse(value)).isInstanceOf(IllegalArgumentException.class);
  }
}
