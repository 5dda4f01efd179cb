package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.agent.samples.NettyEpollUnixSocketApp;
import dev.baton.agent.samples.NettyIoUringUnixSocketApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Netty's native Unix-domain listeners, epoll's {@code EpollServerDomainSocketChannel} and io_uring's
 * {@code IoUringServerDomainSocketChannel} (Netty 4.2), bound to a path start_server listens on
 * ({@code --path}): the bind ({@code unix.Socket.bind} with a {@code DomainSocketAddress}) is adopted like a TCP
 * one, and the old worker's close of its server channel in its shutdown hook must not delete the supervisor's
 * socket file, which the new generation accepts on. Reloads under two connection-per-request clients on the
 * socket.
 */
class NettyUnixSocketReloadTest {

  @TempDir
  Path tempDir;

  @ParameterizedTest
  @ValueSource(classes = {NettyEpollUnixSocketApp.class, NettyIoUringUnixSocketApp.class})
  void hupReplacesWorkersOnTheSocketPathWithoutAFailedRequest(Class<?> sample) throws Exception {
    assumeTrue(Files.isExecutable(Workers.START_SERVER), "Perl start_server (libserver-starter-perl) not installed");
    Workers.assumeTransportAvailable(sample);
    boolean ioUring = sample == NettyIoUringUnixSocketApp.class;
    Path socket = tempDir.resolve("app.sock");
    List<String> command = new ArrayList<>(List.of(Workers.START_SERVER.toString(), "--path=" + socket,
        "--pid-file=" + tempDir.resolve("start_server.pid"), "--"));
    command.addAll(Workers.javaOn(ioUring ? Workers.classpathWithIoUring() : Workers.classpath(), Workers.JAVA_17, "",
        sample.getName(), socket.toString()));

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
            sample.getSimpleName(), load.successes(), load.failures().size(), servedBy);
        assertThat(load.failures()).as(supervisor.transcript()).isEmpty();
        assertThat(load.successes()).isGreaterThan(AbstractReloadTest.RELOADS * 10);
      }
      assertThat(servedBy).as("pids that answered").hasSizeGreaterThanOrEqualTo(AbstractReloadTest.RELOADS + 1);
      assertThat(socket).as("the supervisor's socket file, after %d old workers closed their channels",
          AbstractReloadTest.RELOADS).exists();
      String channel = ioUring ? "(IoUringServerDomainSocketChannel)" : "(EpollServerDomainSocketChannel)";
      assertThat(supervisor.transcript())
          .contains("baton-agent: adopted " + socket, channel)
          .doesNotContain("WARNING", "Exception", "ERROR");
      supervisor.signal("TERM");
      supervisor.awaitExit(Duration.ofSeconds(30));
    }
  }

  private static int oldWorkersDied(ServerProcess supervisor) {
    return (int) supervisor.stderr().stream().filter(line -> line.startsWith("old worker ")).count();
  }
}
