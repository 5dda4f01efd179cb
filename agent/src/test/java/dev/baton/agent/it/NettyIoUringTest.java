package dev.baton.agent.it;

import static dev.baton.testkit.sample.Replies.PID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import org.junit.jupiter.api.Test;

/**
 * Plain Netty 4.2 on the io_uring transport: its bind goes through {@code unix.Socket.bind} as epoll's does
 * (adopted by {@code dup2} onto Netty's descriptor), readiness is the server channel's first {@code doBeginRead}
 * (the first accept submitted), and the drain turns {@code autoRead} off (cancelling the submitted accept) and
 * closes Netty's descriptor once no accept is in flight. Also on a Unix-domain path
 * ({@code IoUringServerDomainSocketChannel}). Skipped where io_uring is not available.
 */
@JdkMatrix
class NettyIoUringTest extends ServerTest implements ReloadUnderLoad, ReloadOnUnixSocket {

  NettyIoUringTest(Jdk jdk) {
    super(Server.NETTY_IO_URING, jdk);
  }

  /** READY once it accepts, and on TERM the request in flight is answered before the JVM exits 143. */
  @Test
  void adoptedChannelReportsReadyAndDrains() throws Exception {
    assumeDrainTestedOnThisJdk();
    int port = FreePorts.next();
    try (StartedProcess supervisor = startUnderFakeSupervisor(port, "drainTimeout=60s")) {
      FakeSupervisor.awaitReady(supervisor);
      long worker = FakeSupervisor.workerPid(supervisor);
      assertThat(PID.ask(port, "/").pid()).isEqualTo(worker);

      InFlightRequest.answeredThroughTerm(supervisor, port, worker);
      assertCleanRunWithOwnDrain(supervisor);
    }
  }
}
