package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import dev.baton.testkit.signal.Signals;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * For the frameworks whose graceful stop the agent drives: a keep-alive request in flight when the drain
 * starts is answered with {@code Connection: close}, and the server then closes the connection itself, so a
 * keep-alive client never sends its next request on a connection that is about to go.
 */
interface KeepAliveInFlightDrain extends ServerUnderTest {

  @Test
  default void responseInFlightDuringTheDrainClosesItsKeepAliveConnection() throws Exception {
    assumeDrainTestedOnThisJdk();
    int port = FreePorts.next();
    try (StartedProcess supervisor = startUnderFakeSupervisor(port, "drainTimeout=30s")) {
      FakeSupervisor.awaitReady(supervisor);
      long worker = FakeSupervisor.workerPid(supervisor);
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(20_000);
        // First a request that keeps the connection open, as any keep-alive client does.
        assertThat(exchange(socket, "/")).as("before the drain").doesNotContainIgnoringCase("connection: close");
        socket.getOutputStream().write(request("/slow?ms=1500"));
        supervisor.awaitStdout(line -> line.startsWith("handling /slow"), Duration.ofSeconds(10));
        Signals.require(worker, "TERM");
        supervisor.awaitStdout("datagram STOPPING=1"::equals, Duration.ofSeconds(10));

        String response = readResponse(socket.getInputStream());
        assertThat(response).as(supervisor.transcript()).startsWith("HTTP/1.1 200")
            .containsIgnoringCase("connection: close").endsWith("pid:" + worker + "\n");
        assertThat(socket.getInputStream().read()).as("the server closes the connection after it").isEqualTo(-1);
      }
      assertThat(FakeSupervisor.awaitWorkerExit(supervisor, Duration.ofSeconds(30))).as(supervisor.transcript())
          .isEqualTo(143);
      assertCleanRunWithOwnDrain(supervisor);
    }
  }

  private static String exchange(Socket socket, String path) throws IOException {
    socket.getOutputStream().write(request(path));
    return readResponse(socket.getInputStream());
  }

  private static byte[] request(String path) {
    return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
  }

  /** One response with a Content-Length body, read without reading past it. */
  private static String readResponse(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    while (!bytes.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed before a complete response: '" + bytes + "'");
      }
      bytes.write(b);
    }
    String head = bytes.toString(StandardCharsets.ISO_8859_1);
    Matcher length = Pattern.compile("(?i)\\ncontent-length: *(\\d+)").matcher(head);
    if (!length.find()) {
      throw new IOException("no Content-Length: '" + head + "'");
    }
    return head + new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.ISO_8859_1);
  }
}
