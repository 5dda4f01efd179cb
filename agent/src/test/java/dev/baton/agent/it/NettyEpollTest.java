package dev.baton.agent.it;

import static dev.baton.testkit.sample.Replies.PID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Plain Netty on the native epoll transport, which binds through JNI ({@code unix.Socket.bind}), not the JDK:
 * adoption by {@code dup2} onto Netty's descriptor (its lost epoll registration added again),
 * {@code doBeginRead} for readiness, a drain that deregisters the channel from its event loop before closing
 * Netty's descriptor, and the connection-level drain for the epoll connections. Also on a Unix-domain path
 * ({@code EpollServerDomainSocketChannel}).
 */
@JdkMatrix
class NettyEpollTest extends ServerTest implements ReloadUnderLoad, ReloadOnUnixSocket {

  NettyEpollTest(Jdk jdk) {
    super(Server.NETTY_EPOLL, jdk);
  }

  /**
   * Under a supervisor whose listener is blocking (the agent must make it non-blocking, or the event loop
   * would block in accept), bound to 127.0.0.1 while the application binds the wildcard: the channel reports
   * the adopted address, says READY once it accepts, and on TERM answers the request in flight before the JVM
   * exits.
   */
  @Test
  void adoptedChannelAcceptsReportsReadyAndDrains() throws Exception {
    assumeDrainTestedOnThisJdk();
    int port = FreePorts.next();
    try (StartedProcess supervisor = startUnderFakeSupervisor(port, "drainTimeout=60s")) {
      FakeSupervisor.awaitReady(supervisor);
      assertThat(supervisor.stdout()).as(supervisor.transcript())
          .contains("datagram STATUS=accepting on 127.0.0.1:" + port);
      // The application asked for the wildcard address; its channel reports the adopted socket's. (READY
      // comes from the event loop and may precede the main thread's line.)
      supervisor.awaitStdout(("listening on /127.0.0.1:" + port + " (EpollServerSocketChannel)")::equals,
          Duration.ofSeconds(10));
      long worker = FakeSupervisor.workerPid(supervisor);
      assertThat(PID.ask(port, "/").pid()).isEqualTo(worker);
      assertThat(nonBlocking(worker, inheritedFd(supervisor))).as("O_NONBLOCK on the shared listener").isTrue();

      InFlightRequest.answeredThroughTerm(supervisor, port, worker);
      assertCleanRunWithOwnDrain(supervisor);
    }
  }

  /**
   * A UDP channel bound to the listed port before the TCP one (HTTP/3 beside HTTP/1.1) is not adopted: only a
   * stream socket takes the inherited listener, so both work.
   */
  @Test
  void datagramBindOfTheListedPortIsNotAdopted() throws Exception {
    assumeDrainTestedOnThisJdk();
    int port = FreePorts.next();
    try (StartedProcess supervisor = FakeSupervisor.start("127.0.0.1:" + port,
        worker("", Integer.toString(port), "udp"), Map.of())) {
      FakeSupervisor.awaitReady(supervisor);
      long worker = FakeSupervisor.workerPid(supervisor);
      assertThat(PID.ask(port, "/").pid()).isEqualTo(worker);
      try (DatagramSocket udp = new DatagramSocket()) {
        udp.setSoTimeout(10_000);
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        udp.send(new DatagramPacket(ping, ping.length, InetAddress.getLoopbackAddress(), port));
        DatagramPacket answer = new DatagramPacket(new byte[64], 64);
        udp.receive(answer);
        assertThat(new String(answer.getData(), 0, answer.getLength(), StandardCharsets.US_ASCII))
            .isEqualTo("pid:" + worker + "\n");
      }
      assertThat(supervisor.stdout()).as(supervisor.transcript())
          .filteredOn(line -> line.startsWith("datagram STATUS=adopted ")).hasSize(1);
    }
  }

  /** The descriptor number in {@code STATUS=adopted <spec> (fd N)}. */
  private static int inheritedFd(StartedProcess supervisor) {
    String status = supervisor.awaitStdout(line -> line.startsWith("datagram STATUS=adopted "), Duration.ofSeconds(5));
    Matcher fd = Pattern.compile("\\(fd (\\d+)\\)").matcher(status);
    assertThat(fd.find()).as(status).isTrue();
    return Integer.parseInt(fd.group(1));
  }

  /**
   * O_NONBLOCK (octal 04000) in the open file description's flags, as {@code /proc/PID/fdinfo/FD} shows them.
   * Netty's event loop accepts once per wake-up; on a blocking listener shared with another generation, the
   * one that loses the race for a connection would block in accept.
   */
  private static boolean nonBlocking(long pid, int fd) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "fdinfo", Integer.toString(fd)))) {
      if (line.startsWith("flags:")) {
        return (Integer.parseInt(line.substring("flags:".length()).trim(), 8) & 04000) != 0;
      }
    }
    throw new AssertionError("no flags in /proc/" + pid + "/fdinfo/" + fd);
  }
}
