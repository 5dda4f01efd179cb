package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.samples.JdkHttpServerApp;
import dev.baton.agent.samples.JettyApp;
import dev.baton.agent.samples.SpringBootApp;
import dev.baton.agent.samples.SpringBootJettyApp;
import dev.baton.agent.samples.SpringBootWebFluxApp;
import dev.baton.agent.samples.TomcatApp;
import dev.baton.agent.samples.UndertowApp;
import dev.baton.agent.samples.UndertowGracefulApp;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * For the frameworks whose graceful stop the agent drives: a keep-alive request in flight when the drain
 * starts is answered with {@code Connection: close}, and the server then closes the connection itself,
 * so a keep-alive client never sends its next request on a connection that is about to go.
 */
class KeepAliveDrainTest {

  private static final Pattern CONTENT_LENGTH = Pattern.compile("(?i)\\ncontent-length: *(\\d+)");

  @ParameterizedTest
  @ValueSource(classes = {JettyApp.class, TomcatApp.class, SpringBootApp.class, SpringBootJettyApp.class, SpringBootWebFluxApp.class, UndertowApp.class, UndertowGracefulApp.class})
  void responseInFlightDuringTheDrainClosesItsKeepAliveConnection(Class<?> sample) throws Exception {
    int port = Workers.freePort();
    try (ServerProcess supervisor = ReadinessTest.startUnderFakeSupervisor(
        "127.0.0.1:" + port, sample, port, "drainTimeout=30s")) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      long worker = ReadinessTest.workerPid(supervisor);
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(20_000);
        // First a request that keeps the connection open, as any keep-alive client does.
        assertThat(exchange(socket, "/")).as("before the drain").doesNotContainIgnoringCase("connection: close");
        socket.getOutputStream().write(request("/slow?ms=1500"));
        supervisor.awaitStdout(line -> line.startsWith("handling /slow"), Duration.ofSeconds(10));
        Signals.send("TERM", worker);
        supervisor.awaitStdout("datagram STOPPING=1"::equals, Duration.ofSeconds(10));

        String response = readResponse(socket.getInputStream());
        assertThat(response).as(supervisor.transcript()).startsWith("HTTP/1.1 200")
            .containsIgnoringCase("connection: close").endsWith("pid:" + worker + "\n");
        assertThat(socket.getInputStream().read()).as("the server closes the connection after it").isEqualTo(-1);
      }
      supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(30));
      assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
    }
  }

  /**
   * The JDK HttpServer reads requests on one dispatcher thread. On a loaded machine that thread can be
   * descheduled while a keep-alive client's next request waits unread in the socket, and the server's
   * books still show the connection idle. A drain that then stops the server closed that connection with
   * the request in it (the kernel resets it: ab -k counted an "exception" in one of 52 reloads). Here the
   * dispatcher is suspended (the sample's {@code /freeze-dispatcher}) for longer than the keep-alive
   * grace, and the request sent meanwhile must still be answered, with {@code Connection: close}.
   */
  @Test
  void jdkHttpServerAnswersARequestWaitingUnreadWhenTheGraceEnds() throws Exception {
    int port = Workers.freePort();
    try (ServerProcess supervisor = ReadinessTest.startUnderFakeSupervisor(
        "127.0.0.1:" + port, JdkHttpServerApp.class, port, "drainTimeout=30s,keepAliveGrace=3s")) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      long worker = ReadinessTest.workerPid(supervisor);
      try (KeepAliveConnection client = new KeepAliveConnection(port);
          KeepAliveConnection freezer = new KeepAliveConnection(port)) {
        assertThat(client.get("/").keepsAlive()).as("before the drain").isTrue();
        assertThat(freezer.get("/").keepsAlive()).isTrue();
        Signals.send("TERM", worker);
        supervisor.awaitStdout("datagram STOPPING=1"::equals, Duration.ofSeconds(10));
        // Frozen from about 0.3 s after the drain began until well after the 3 s grace has ended.
        freezer.get("/freeze-dispatcher?ms=6000");
        supervisor.awaitStdout("dispatcher frozen"::equals, Duration.ofSeconds(10));

        KeepAliveConnection.Response during = client.get("/");

        assertThat(during.body()).isEqualTo("pid:" + worker + "\n");
        assertThat(during.head()).as("response during the drain").doesNotContain("keep-alive");
        assertThat(client.closedByServer()).isTrue();
      }
      supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(30));
      assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
    }
  }

  /**
   * A keep-alive client on a loaded machine can take longer than the grace to come back with its next
   * request. While other clients keep coming back (their connections close after a
   * {@code Connection: close} answer) the grace restarts, so it is answered too instead of having its
   * connection closed as idle under it. Here one client comes back after half the grace, the other
   * after 1.5 graces (past a fixed grace, well within the restarted one).
   */
  @Test
  void keepAliveGraceRestartsWhileClientsKeepComingBack() throws Exception {
    int port = Workers.freePort();
    try (ServerProcess supervisor = ReadinessTest.startUnderFakeSupervisor(
        "127.0.0.1:" + port, JdkHttpServerApp.class, port, "drainTimeout=30s,keepAliveGrace=3s")) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      long worker = ReadinessTest.workerPid(supervisor);
      try (KeepAliveConnection early = new KeepAliveConnection(port);
          KeepAliveConnection late = new KeepAliveConnection(port)) {
        assertThat(early.get("/").keepsAlive()).as("before the drain").isTrue();
        assertThat(late.get("/").keepsAlive()).isTrue();
        Signals.send("TERM", worker);
        supervisor.awaitStdout("datagram STOPPING=1"::equals, Duration.ofSeconds(10));

        Thread.sleep(1_500); // a client's think time, not a wait for the server
        KeepAliveConnection.Response first = early.get("/");
        Thread.sleep(3_000);
        KeepAliveConnection.Response second = late.get("/");

        assertThat(first.body()).isEqualTo("pid:" + worker + "\n");
        assertThat(second.body()).as("answered 4.5 s into a drain with a 3 s grace").isEqualTo("pid:" + worker + "\n");
        assertThat(second.head()).doesNotContain("keep-alive");
        assertThat(late.closedByServer()).isTrue();
      }
      supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(30));
      assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
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
    Matcher length = CONTENT_LENGTH.matcher(head);
    if (!length.find()) {
      throw new IOException("no Content-Length: '" + head + "'");
    }
    return head + new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.ISO_8859_1);
  }
}
