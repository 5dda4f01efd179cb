package dev.baton.agent.it;

import static dev.baton.agent.it.PromptAwait.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.agent.samples.JdkHttpServerApp;
import dev.baton.agent.samples.UnixSocketApp;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The other spec forms start_server passes: {@code [::1]:port} and a Unix socket path, with one HUP each. */
class AddressFormsTest {

  @TempDir
  Path tempDir;

  @BeforeEach
  void requireStartServer() {
    assumeTrue(Files.isExecutable(Workers.START_SERVER), "Perl start_server not installed");
  }

  @Test
  void ipv6LoopbackSpecIsAdoptedByAWildcardBind() throws Exception {
    assumeTrue(ipv6Loopback(), "no IPv6 loopback on this machine");
    int port = FreePorts.next();
    assertReloads("--port=[::1]:" + port, JdkHttpServerApp.class, Integer.toString(port),
        () -> get(new InetSocketAddress("::1", port)));
  }

  @Test
  void unixSocketPathIsAdopted() throws Exception {
    Path socket = tempDir.resolve("app.sock");
    assertReloads("--path=" + socket, UnixSocketApp.class, socket.toString(), () -> get(socket));
  }

  private void assertReloads(String listen, Class<?> sample, String arg, Callable<Long> request) throws Exception {
    List<String> command = new ArrayList<>(List.of(Workers.START_SERVER.toString(), listen,
        "--pid-file=" + tempDir.resolve("pid"), "--"));
    command.addAll(Workers.java(Workers.JAVA_17, "", sample.getName(), arg));
    try (StartedProcess supervisor = Workers.start(command, Map.of())) {
      long first = await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(request, pid -> pid > 0);
      supervisor.signal("HUP");
      long second = await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(request, pid -> pid != first);
      assertThat(second).isPositive();
      assertThat(supervisor.transcript()).contains("baton-agent: adopted").doesNotContain("Exception", "WARNING", "baton-agent: warning");
      supervisor.signal("TERM");
      supervisor.awaitExit(Duration.ofSeconds(30));
    }
  }

  private static long get(InetSocketAddress address) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(address, 5_000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      return Long.parseLong(response.substring(response.indexOf("pid:") + 4).trim());
    }
  }

  private static long get(Path path) throws IOException {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(path));
      ByteBuffer buffer = ByteBuffer.allocate(256);
      while (channel.read(buffer) >= 0) {
        // read to EOF
      }
      String body = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
      return Long.parseLong(body.substring(body.indexOf("pid:") + 4).trim());
    }
  }

  static boolean ipv6Loopback() {
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, InetAddress.getByName("::1"))) {
      return probe.getInetAddress() instanceof Inet6Address;
    } catch (IOException e) {
      return false;
    }
  }
}
