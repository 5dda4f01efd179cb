package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.samples.VertxIoUringApp;
import org.junit.jupiter.api.BeforeEach;

/**
 * Vert.x 5 on Netty's io_uring transport: its server channel is Netty's {@code IoUringServerSocketChannel},
 * adopted and stopped as in {@link NettyIoUringReloadTest}; the drain is Vert.x's {@code HttpServer.shutdown},
 * whose close of the server channel completes only once io_uring's own close of the descriptor does.
 */
class VertxIoUringReloadTest extends AbstractReloadTest {

  @BeforeEach
  void ioUringAvailable() {
    Workers.assumeTransportAvailable(VertxIoUringApp.class);
  }

  @Override
  String mainClass() {
    return VertxIoUringApp.class.getName();
  }

  @Override
  String classpath() {
    return Workers.classpathWithIoUring();
  }

  @Override
  void checkTranscript(String transcript) {
    assertThat(transcript).contains("transport IoUringTransport", "baton-agent: adopted ", "baton-agent: drained in ");
  }
}
