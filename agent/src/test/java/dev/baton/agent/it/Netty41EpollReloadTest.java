package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.agent.samples.Netty41EpollApp;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;

/**
 * Netty 4.1's native epoll transport (the test class path has Vert.x's Netty 4.2): the worker runs on
 * its own class path, the samples' classes and the Netty 4.1 jars Maven copies to {@code target/netty41}.
 * The agent rewrites the same Netty methods in 4.1 as in 4.2 ({@code unix.Socket.bind/listen},
 * {@code AbstractEpollChannel.doBeginRead}, {@code EpollServerSocketChannel.newChildChannel},
 * {@code Native.epollCtl*}); without them the worker's bind would fail (start_server holds the port).
 */
class Netty41EpollReloadTest extends AbstractReloadTest {

  static final Path NETTY41 = Path.of(System.getProperty("baton.netty41.dir", "target/netty41"));

  @BeforeEach
  void epollAvailable() {
    Workers.assumeTransportAvailable(Netty41EpollApp.class);
    assumeTrue(Files.isDirectory(NETTY41), NETTY41 + " missing: run through Maven (process-test-classes copies it)");
  }

  @Override
  String mainClass() {
    return Netty41EpollApp.class.getName();
  }

  @Override
  String classpath() {
    return Workers.classpathWithJarsIn(NETTY41);
  }

  @Override
  void checkTranscript(String transcript) {
    assertThat(transcript)
        .as("every generation ran on Netty 4.1 and adopted the inherited socket")
        .contains("netty 4.1.", "baton-agent: adopted ")
        .doesNotContain("netty 4.2.");
  }
}
