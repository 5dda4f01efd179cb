package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.agent.samples.NettyEpollUnixSocketApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Netty's epoll {@code EpollServerDomainSocketChannel} bound to a path start_server listens on
 * ({@code --path}): the bind ({@code unix.Socket.bind} with a {@code DomainSocketAddress}) is adopted
 * like a TCP one, and the old worker's close of its server channel in its shutdown hook must not delete
 * the supervisor's socket file, which the new generation accepts on. Reloads under two
 * connection-per-request clients on the socket.
 */
class NettyEpollUnixSocketReloadTest {

  @TempDir
  Path tempDir;

  @BeforeEach
  void requirements() {
    assumeTrue(Files.isExecutable(Workers.START_SERVER), "Perl start_server (libserver-starter-perl) not installed");
    Workers.assumeTransportAvailable(NettyEpollUnixSocketApp.class);
  }

  @Test
  void hupReplacesWorkersOnTheSocketPathWithoutAFailedRequest() throws Exception {
    Path socket = tempDir.resolve("app.sock");
    List<String> command = new ArrayList<>(List.of(Workers.START_SERVER.toString(), "--path=" + socket,
        "--pid-file=" + tempDir.resolve("start_server.pid"), "--"));
    command.addAll(Workers.java(Workers.JAVA_17, "", NettyEpollUnixSocketApp.class.getName(), socket.toString()));

    try (ServerProcess supervisor = ServerProcess.start(command, Map.of())) {
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> Http.closeGet(socket, "/") > 0);
      Set<Long> servedBy = new HashSet<>();
      try (Load load = Load.overUnixSocket(socket)) {
        for (int reload = 1; reload <= AbstractReloadTest.RELOADS; reload++) {
          int diedBefore = oldWorkersDied(supervisor);
          await().atMost(Duration.ofSeconds(20)).until(() -> !load.pids().isEmpty());
          servedBy.addAll(load.pids());
          supervisor.signal("HUP");
          await().atMost(Duration.ofSeconds(60)).until(() -> oldWorkersDied(supervisor) > diedBefore);
          await().atMost(Duration.ofSeconds(60)).until(() -> !servedBy.containsAll(load.pids()));
          servedBy.addAll(load.pids());
        }
        load.close();
        System.out.printf("%s: %d requests answered, %d failed, pids %s%n",
            getClass().getSimpleName(), load.successes(), load.failures().size(), servedBy);
        assertThat(load.failures()).as(supervisor.transcript()).isEmpty();
        assertThat(load.successes()).isGreaterThan(AbstractReloadTest.RELOADS * 10);
      }
      assertThat(servedBy).as("pids that answered").hasSizeGreaterThanOrEqualTo(AbstractReloadTest.RELOADS + 1);
      assertThat(socket).as("the supervisor's socket file, after %d old workers closed their channels",
          AbstractReloadTest.RELOADS).exists();
      assertThat(supervisor.transcript())
          .contains("baton-agent: adopted " + socket, "(EpollServerDomainSocketChannel)")
          .doesNotContain("WARNING", "Exception", "ERROR");
      supervisor.signal("TERM");
      supervisor.awaitExit(Duration.ofSeconds(30));
    }
  }

  private static int oldWorkersDied(ServerProcess supervisor) {
    return (int) supervisor.stderr().stream().filter(line -> line.startsWith("old worker ")).count();
  }
}
