package dev.baton.testkit.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.baton.testkit.http.Http;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.sample.Replies;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The load generator against a real JDK HttpServer: every client kind, what is counted as answered by whom,
 * non-2xx, failed (connect, length, an answer naming no worker), and the per-request records.
 */
class HttpLoadTest {

  private HttpServer server;
  private int port;

  @BeforeEach
  void serve() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      int status = path.equals("/missing") ? 404 : 200;
      String body = switch (path) {
        case "/sample" -> "gen=000002 pid=0004242 server=jdk  \n";
        case "/pid" -> "pid:4242\n";
        case "/hello" -> "hello";
        case "/growing" -> "4242:1:" + "x".repeat((int) (System.nanoTime() % 3));
        default -> "4242:1";
      };
      byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    port = server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void aSocketRunCountsEveryRequestAndReadsTheSamplesGenerations() throws Exception {
    for (boolean keepAlive : new boolean[] {false, true}) {
      RequestLog log = new RequestLog();
      HttpLoad load = HttpLoad.start(HttpLoad.Options.of(port, 3, 60, keepAlive).path("/sample"), log);
      LoadResult result = load.await(Duration.ofSeconds(30));
      assertThat(result.complete()).isEqualTo(60);
      assertThat(result.failed()).isZero();
      assertThat(result.generations()).containsEntry(2, 60L);
      assertThat(load.pids()).containsEntry(2, 4242L);
      assertThat(load.answeredBy(4242)).isEqualTo(60);
      assertThat(log.requests()).hasSize(60).allSatisfy(r -> assertThat(r.pid()).isEqualTo(4242));
      assertThat(load.answeredBySentBefore(4242, System.nanoTime())).isEqualTo(60);
      assertThat(load.answeredBySentBefore(4242, System.nanoTime() - Duration.ofMinutes(1).toNanos())).isZero();
    }
  }

  @Test
  void everyClientKindReadsWhoAnswered() throws Exception {
    for (HttpLoad.Client kind : HttpLoad.Client.values()) {
      try (HttpLoad load = HttpLoad.start(HttpLoad.Options.of(port, 2, kind).replies(Replies.PID_AND_GENERATION)
          .anyLength().path("/growing").pause(Duration.ofMillis(1)))) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (load.completed() < 20 && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        load.close();
        assertThat(load.failures()).as(kind + ": " + load).isEmpty();
        assertThat(load.answeringPids()).as(kind.toString()).containsExactly(4242L);
        assertThat(load.generations()).as(kind.toString()).containsOnlyKeys(1);
      }
    }
  }

  @Test
  void failuresAreCountedByKindAndNon2xxApart() throws Exception {
    LoadResult missing = HttpLoad.start(HttpLoad.Options.of(port, 1, 5, false).path("/missing")).await(Duration.ofSeconds(30));
    assertThat(missing.non2xx()).isEqualTo(5);
    assertThat(missing.failed()).isZero();

    HttpLoad growing = HttpLoad.start(HttpLoad.Options.of(port, 1, 30, true).path("/growing"));
    assertThat(growing.await(Duration.ofSeconds(30)).failedBy().get(HttpLoad.LENGTH)).isPositive();

    HttpLoad anonymous = HttpLoad.start(HttpLoad.Options.of(port, 1, 3, false).path("/hello").replies(Replies.PID));
    assertThat(anonymous.await(Duration.ofSeconds(30)).failedBy()).containsEntry(HttpLoad.EXCEPTIONS, 3L);
    assertThat(anonymous.failures()).hasSize(3).allSatisfy(f -> assertThat(f).contains("names no worker"));

    HttpLoad refused = HttpLoad.start(HttpLoad.Options.of(FreePorts.next(), 2, HttpLoad.Client.HTTP_1_0));
    Thread.sleep(50);
    refused.close();
    assertThat(refused.failed(HttpLoad.CONNECT)).isPositive().isEqualTo(refused.failed());
  }

  @Test
  void theOneShotClientReadsAWholeResponse() throws Exception {
    assertThat(Http.get(port, "/pid")).isEqualTo(new Http.Response("HTTP/1.1", 200, "pid:4242\n"));
    assertThat(Http.body(port, "/")).isEqualTo("4242:1");
    assertThat(Http.bodyOrNull(port, "/missing")).isNull();
    assertThatThrownBy(() -> Http.get(FreePorts.next(), "/")).isInstanceOf(Http.ConnectFailed.class);
  }
}
