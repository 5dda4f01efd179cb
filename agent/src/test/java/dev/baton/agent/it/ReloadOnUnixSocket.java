package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A native Unix-domain listener (Netty's {@code EpollServerDomainSocketChannel}, {@code
 * IoUringServerDomainSocketChannel}) bound to a path Perl's start_server listens on ({@code --path}): the bind
 * ({@code unix.Socket.bind} with a {@code DomainSocketAddress}) is adopted like a TCP one, and the old worker's
 * close of its server channel in its shutdown hook must not delete the supervisor's socket file, which the new
 * generation accepts on. Reloads under two connection-per-request clients on the socket.
 */
interface ReloadOnUnixSocket extends ReloadUnderLoad {

  @Test
  default void hupReplacesWorkersOnTheSocketPathWithoutAFailedRequest(@TempDir Path tempDir) throws Exception {
    Path socket = tempDir.resolve("app.sock");
    Class<?> sample = server().unixSocketSample();
    String channel = sample.getSimpleName().contains("IoUring")
        ? "(IoUringServerDomainSocketChannel)" : "(EpollServerDomainSocketChannel)";
    reloadUnderLoad(Supervisor.PERL_START_SERVER, reloads(), tempDir, Listener.unixSocket(socket), sample,
        (process, transcript) -> {
          assertThat(socket).as("the supervisor's socket file, after %d old workers closed their channels", reloads())
              .exists();
          assertThat(transcript).contains("baton-agent: adopted " + socket, channel);
        });
  }
}
