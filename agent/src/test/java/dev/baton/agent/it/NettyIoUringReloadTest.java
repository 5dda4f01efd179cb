package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.samples.NettyIoUringApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Plain Netty 4.2 on the io_uring transport: its bind goes through {@code unix.Socket.bind} as epoll's does
 * (adopted by {@code dup2} onto Netty's descriptor), readiness is the server channel's first
 * {@code doBeginRead} (the first accept submitted), and the drain turns {@code autoRead} off (cancelling
 * the submitted accept) and closes Netty's descriptor once no accept is in flight. Skipped where io_uring
 * is not available.
 */
class NettyIoUringReloadTest extends AbstractReloadTest {

  @BeforeEach
  void ioUringAvailable() {
    Workers.assumeTransportAvailable(NettyIoUringApp.class);
  }

  @Override
  String mainClass() {
    return NettyIoUringApp.class.getName();
  }

  @Override
  String classpath() {
    return Workers.classpathWithIoUring();
  }

  @Override
  void checkTranscript(String transcript) {
    assertThat(transcript).contains("baton-agent: adopted ", "(IoUringServerSocketChannel)");
  }

  /** READY once it accepts, and on TERM the request in flight is answered before the JVM exits 143. */
  @Test
  void adoptedChannelReportsReadyAndDrains() throws Exception {
    int port = Workers.freePort();
    List<String> command = new ArrayList<>(List.of("perl", Workers.fakeSupervisor(), "127.0.0.1:" + port, "--"));
    command.addAll(Workers.javaOn(classpath(), java(), "drainTimeout=60s", NettyIoUringApp.class.getName(),
        Integer.toString(port)));
    try (ServerProcess supervisor = ServerProcess.start(command, Map.of())) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      long worker = ReadinessTest.workerPid(supervisor);
      assertThat(Http.closeGet(port, "/")).isEqualTo(worker);

      InFlightRequest.answeredThroughTerm(supervisor, port, worker);
      assertThat(supervisor.stderr()).as(supervisor.transcript())
          .anyMatch(line -> line.startsWith("baton-agent: drained in "))
          .noneMatch(line -> line.contains("WARNING") || line.contains("Exception"));
    }
  }
}
