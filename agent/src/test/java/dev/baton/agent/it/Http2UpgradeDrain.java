package dev.baton.agent.it;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Http2Drain}'s stream in flight through TERM, over {@code Upgrade: h2c} (an HTTP/1.1 request that upgrades its
 * connection).
 */
interface Http2UpgradeDrain extends Http2Drain {

  @Test
  default void streamInFlightIsAnsweredAndEveryConnectionGetsGoAwayThenClosesOverUpgrade(@TempDir Path tempDir)
      throws Exception {
    streamInFlightIsAnsweredAndEveryConnectionGetsGoAwayThenCloses(H2Client.Mode.UPGRADE, tempDir);
  }
}
