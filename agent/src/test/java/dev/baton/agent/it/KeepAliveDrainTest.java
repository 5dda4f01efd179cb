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
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * For the frameworks whose graceful stop the agent drives: a keep-alive request in flight when the drain
 * starts is answered with {@code Connection: close}, and the server then closes the connection itself,
 * so a keep-alive client never sends its next request on a connection that is about to go.
 */
class KeepAliveDrainTest {

  private static final Pattern CONTENT_LENGTH = Pattern.compile("(?i)\\ncontent-length: *(\\d+)");

  @TempDir
  Path tempDir;

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
   * dispatcher is kept from reading idle connections (the sample's {@code /freeze-dispatcher}) until the
   * keep-alive grace is over and the drain has had time to stop the server, and the request sent
   * meanwhile must still be answered, with {@code Connection: close}. On JDK 17 and, where installed, 25.
   */
  @ParameterizedTest
  @ValueSource(strings = {"17", "25"})
  void jdkHttpServerAnswersARequestWaitingUnreadWhenTheGraceEnds(String jdk) throws Exception {
    String java = jdk.equals("25") ? Workers.JAVA_25.toString() : Workers.JAVA_17;
    if (jdk.equals("25")) {
      Jdk25ReloadTest.requireJdk25();
    }
    int port = Workers.freePort();
    Path release = tempDir.resolve("release-dispatcher");
    List<String> worker = new ArrayList<>(Workers.java(java, "drainTimeout=30s,keepAliveGrace=2s",
        JdkHttpServerApp.class.getName(), Integer.toString(port)));
    worker.add(1, "--add-opens=jdk.httpserver/sun.net.httpserver=ALL-UNNAMED"); // for the freeze, not the agent
    List<String> command = new ArrayList<>(List.of("perl", Workers.fakeSupervisor(), "127.0.0.1:" + port, "--"));
    command.addAll(worker);
    try (ServerProcess supervisor = ServerProcess.start(command, Map.of())) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      long workerPid = ReadinessTest.workerPid(supervisor);
      try (KeepAliveConnection client = new KeepAliveConnection(port);
          KeepAliveConnection freezer = new KeepAliveConnection(port)) {
        assertThat(client.get("/").keepsAlive()).as("before the drain").isTrue();
        assertThat(freezer.get("/").keepsAlive()).isTrue();
        Signals.send("TERM", workerPid);
        supervisor.awaitStdout("datagram STOPPING=1"::equals, Duration.ofSeconds(10));
        freezer.get("/freeze-dispatcher?until=" + release);
        supervisor.awaitStdout("dispatcher frozen"::equals, Duration.ofSeconds(10));

        client.send("/"); // before the grace ends: the drain must find it waiting in the socket
        CompletableFuture<KeepAliveConnection.Response> during = CompletableFuture.supplyAsync(() -> {
          try {
            return client.read();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
        supervisor.awaitStderr(line -> line.contains("(keepAliveGrace)"), Duration.ofSeconds(20));
        // The grace is over with the client's request unread. A drain that does not look at the sockets
        // stops the server now (it polls every 10 ms), closing the connection under the request; the
        // client sees the reset once the dispatcher runs again (NIO closes a channel still registered
        // with a selector only then). Half a second gives such a stop ample time to happen first.
        Thread.sleep(500);
        assertThat(during).as("nothing answers while the dispatcher is held").isNotDone();
        Files.createFile(release);

        KeepAliveConnection.Response response = during.get(20, TimeUnit.SECONDS);
        assertThat(response.body()).isEqualTo("pid:" + workerPid + "\n");
        assertThat(response.head()).as("response during the drain").doesNotContain("keep-alive");
        assertThat(client.closedByServer()).isTrue();
      }
      supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(30));
      assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
      assertThat(supervisor.stderr()).as(supervisor.transcript())
          .anyMatch(line -> line.contains("request(s) left unread in their sockets"));
    }
  }

  /**
   * A keep-alive client on a loaded machine can take longer than the grace to come back with its next
   * request. While other clients keep coming back (their connections close after a
   * {@code Connection: close} answer) the grace restarts, so it is answered too instead of having its
   * connection closed as idle under it. Here one client comes back after half the grace, the other
   * three quarters of a grace after that: a quarter of a grace past a fixed grace, a quarter of a grace
   * before the end of the restarted one.
   */
  @Test
  void keepAliveGraceRestartsWhileClientsKeepComingBack() throws Exception {
    int port = Workers.freePort();
    try (ServerProcess supervisor = ReadinessTest.startUnderFakeSupervisor(
        "127.0.0.1:" + port, JdkHttpServerApp.class, port, "drainTimeout=30s,keepAliveGrace=2s")) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      long worker = ReadinessTest.workerPid(supervisor);
      try (KeepAliveConnection early = new KeepAliveConnection(port);
          KeepAliveConnection late = new KeepAliveConnection(port)) {
        assertThat(early.get("/").keepsAlive()).as("before the drain").isTrue();
        assertThat(late.get("/").keepsAlive()).isTrue();
        Signals.send("TERM", worker);
        supervisor.awaitStdout("datagram STOPPING=1"::equals, Duration.ofSeconds(10));

        Thread.sleep(1_000); // a client's think time, not a wait for the server
        KeepAliveConnection.Response first = early.get("/");
        Thread.sleep(1_500);
        KeepAliveConnection.Response second = late.get("/");

        assertThat(first.body()).isEqualTo("pid:" + worker + "\n");
        assertThat(second.body()).as("answered 2.5 s into a drain with a 2 s grace").isEqualTo("pid:" + worker + "\n");
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
