package dev.baton.agent.it;

import static dev.baton.agent.it.PromptAwait.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A native Unix-domain listener (Netty's {@code EpollServerDomainSocketChannel}, {@code
 * IoUringServerDomainSocketChannel}) bound to a path Perl's start_server listens on ({@code --path}): the bind
 * ({@code unix.Socket.bind} with a {@code DomainSocketAddress}) is adopted like a TCP one, and the old worker's
 * close of its server channel in its shutdown hook must not delete the supervisor's socket file, which the new
 * generation accepts on. Reloads under two connection-per-request clients on the socket.
 */
interface ReloadOnUnixSocket extends ServerUnderTest {

  @Test
  default void hupReplacesWorkersOnTheSocketPathWithoutAFailedRequest(@TempDir Path tempDir) throws Exception {
    assumeTrue(Files.isExecutable(Workers.START_SERVER), "Perl start_server (libserver-starter-perl) not installed");
    int reloads = jdk() == Jdk.JDK_17 ? 3 : 1; // as ReloadUnderLoad#reloads for a framework
    Path socket = tempDir.resolve("app.sock");
    List<String> command = new ArrayList<>(List.of(Workers.START_SERVER.toString(), "--path=" + socket,
        "--pid-file=" + tempDir.resolve("start_server.pid"), "--"));
    command.addAll(server().command(server().unixSocketSample(), jdk(), List.of(), "", socket.toString()));

    try (ServerProcess supervisor = ServerProcess.start(command, Map.of())) {
      await().atMost(FakeSupervisor.READY_TIMEOUT).ignoreExceptions().until(() -> Http.closeGet(socket, "/") > 0);
      Set<Long> servedBy = new HashSet<>();
      try (Load load = Load.overUnixSocket(socket)) {
        for (int reload = 1; reload <= reloads; reload++) {
          int diedBefore = oldWorkersDied(supervisor);
          await().atMost(Duration.ofSeconds(20)).until(() -> !load.pids().isEmpty());
          servedBy.addAll(load.pids());
          supervisor.signal("HUP");
          await().atMost(Duration.ofSeconds(60)).until(() -> oldWorkersDied(supervisor) > diedBefore);
          await().atMost(Duration.ofSeconds(60)).until(() -> !servedBy.containsAll(load.pids()));
          servedBy.addAll(load.pids());
        }
        load.close();
        System.out.printf("%s on %s: %d requests answered, %d failed, pids %s%n",
            server().unixSocketSample().getSimpleName(), jdk(), load.successes(), load.failures().size(), servedBy);
        assertThat(load.failures()).as(supervisor.transcript()).isEmpty();
        assertThat(load.successes()).isGreaterThan(reloads * 10);
      }
      assertThat(servedBy).as("pids that answered").hasSizeGreaterThanOrEqualTo(reloads + 1);
      assertThat(socket).as("the supervisor's socket file, after %d old workers closed their channels", reloads)
          .exists();
      String channel = server().unixSocketSample().getSimpleName().contains("IoUring")
          ? "(IoUringServerDomainSocketChannel)" : "(EpollServerDomainSocketChannel)";
      assertThat(supervisor.transcript()).contains("baton-agent: adopted " + socket, channel);
      assertCleanRunWithOwnDrain(supervisor);
      supervisor.signal("TERM");
      supervisor.awaitExit(Duration.ofSeconds(30));
    }
  }

  private static int oldWorkersDied(ServerProcess supervisor) {
    return (int) supervisor.stderr().stream().filter(line -> line.startsWith("old worker ")).count();
  }
}
