package dev.baton.agent.it;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Http2Drain}'s stream in flight through TERM, with prior knowledge (h2c: the client sends the connection
 * preface at once).
 */
interface Http2PriorKnowledgeDrain extends Http2Drain {

  @Test
  default void streamInFlightIsAnsweredAndEveryConnectionGetsGoAwayThenClosesWithPriorKnowledge(@TempDir Path tempDir)
      throws Exception {
    streamInFlightIsAnsweredAndEveryConnectionGetsGoAwayThenCloses(H2Client.Mode.PRIOR_KNOWLEDGE, tempDir);
  }
}
