package dev.baton.agent.it;

import static dev.baton.testkit.sample.Replies.PID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code java.net.ServerSocket}: NioSocketImpl's bind and listen; sets IP_TOS on an inherited AF_INET socket. */
@JdkMatrix
class PlainServerSocketTest extends ServerTest implements ReloadUnderLoad, IdleWorkerDrain, RequestInFlightDrain {

  PlainServerSocketTest(Jdk jdk) {
    super(Server.PLAIN_SERVER_SOCKET, jdk);
  }

  /** O_NONBLOCK lives on the shared open file description: a blocking accept must cope with it. */
  @Test
  void blockingAcceptWorksWhenAnotherProcessMadeTheSocketNonBlocking() throws Exception {
    int port = FreePorts.next();
    try (StartedProcess supervisor = FakeSupervisor.start("127.0.0.1:" + port, worker("", Integer.toString(port)),
        Map.of("FAKE_SUPERVISOR_NONBLOCK", "1"))) {
      FakeSupervisor.awaitReady(supervisor);
      for (int i = 0; i < 5; i++) {
        assertThat(PID.ask(port, "/").pid()).isPositive();
      }
      assertThat(supervisor.transcript()).doesNotContain("Exception", "failed");
    }
  }
}
