package dev.baton.testkit.port;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {

  @Test
  void aPortIsFreeAndNeverHandedOutTwice() throws Exception {
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      assertThat(ports.add(FreePorts.next())).isTrue();
    }
    int port = FreePorts.next();
    try (ServerSocket bound = new ServerSocket(port)) {
      assertThat(bound.getLocalPort()).isEqualTo(port);
    }
  }
}
