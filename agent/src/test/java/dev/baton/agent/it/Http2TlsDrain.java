package dev.baton.agent.it;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Http2Drain}'s stream in flight through TERM over TLS, HTTP/2 negotiated by ALPN ({@code h2}): the
 * frameworks set the HTTP/2 connection up only after the handshake (Netty's codec behind its SslHandler,
 * Jetty's session behind its SslConnection, which the agent looks through), and the GOAWAY goes out encrypted;
 * without looking through it, Jetty's connector shutdown reset the stream in flight as idle (RST_STREAM CANCEL)
 * and no GOAWAY was sent.
 */
interface Http2TlsDrain extends Http2Drain {

  @Test
  default void streamInFlightIsAnsweredAndEveryConnectionGetsGoAwayThenClosesOverTls(@TempDir Path tempDir)
      throws Exception {
    streamInFlightIsAnsweredAndEveryConnectionGetsGoAwayThenCloses(H2Client.Mode.TLS, tempDir);
  }
}
