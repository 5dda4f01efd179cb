package dev.baton.testkit.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.baton.testkit.http.Http;
import dev.baton.testkit.port.FreePorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The sample workers' bodies, bodies that name no worker, and one request asking who answers. */
class RepliesTest {

  @Test
  void eachSampleNamesItsWorker() {
    assertThat(Replies.SAMPLE.read("gen=000003 pid=0012345 server=jdk  \n")).isEqualTo(new Replies.Who(12345, 3));
    assertThat(Replies.PID_AND_GENERATION.read("4242:7")).isEqualTo(new Replies.Who(4242, 7));
    assertThat(Replies.PID_AND_GENERATION.read("4242:7:v1\nv2")).isEqualTo(new Replies.Who(4242, 7));
    assertThat(Replies.PID_AND_GENERATION.read("      4242:2\n")).isEqualTo(new Replies.Who(4242, 2));
    assertThat(Replies.PID.read("pid:4242\n")).isEqualTo(new Replies.Who(4242, -1));
  }

  @Test
  void aBodyInAnotherFormNamesNone() {
    assertThat(Replies.SAMPLE.read("hello")).isNull();
    assertThat(Replies.PID_AND_GENERATION.read("hello")).isNull();
    assertThat(Replies.PID_AND_GENERATION.read("")).isNull();
    assertThat(Replies.PID.read("pid:4242")).isNull();
    assertThat(Replies.PID.read("200 pid:4242\n")).isNull();
  }

  @Test
  void askingReturnsWhoAnsweredAWhole200AndFailsOnAnythingElse() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    server.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      String body = path.equals("/other") ? "hello\n" : "pid:4242\n";
      byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
      exchange.sendResponseHeaders(path.equals("/missing") ? 404 : 200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
    try {
      int port = server.getAddress().getPort();
      assertThat(Replies.PID.ask(port, "/")).isEqualTo(new Replies.Who(4242, -1));
      assertThatThrownBy(() -> Replies.PID.ask(port, "/missing")).isInstanceOf(IOException.class)
          .hasMessageContaining("404");
      assertThatThrownBy(() -> Replies.PID.ask(port, "/other")).isInstanceOf(IOException.class)
          .hasMessageContaining("hello");
      assertThatThrownBy(() -> Replies.SAMPLE.ask(port, "/")).isInstanceOf(IOException.class);
    } finally {
      server.stop(0);
    }
    assertThatThrownBy(() -> Replies.PID.ask(FreePorts.next(), "/")).isInstanceOf(Http.ConnectFailed.class);
  }
}
