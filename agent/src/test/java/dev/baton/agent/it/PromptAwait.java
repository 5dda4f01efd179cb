package dev.baton.agent.it;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * Awaitility's {@code await()}, polling at once and then every 10 ms. Its defaults (a 100 ms delay before
 * the first check, then every 100 ms) cost 0.1-0.2 s per await even when the condition already holds, and
 * the agent tests await several lines of every worker they start: several hundred awaits, so about a
 * minute per run of the suite by that estimate.
 * The conditions awaited here are cheap (a scan of collected output lines, a local connection).
 */
final class PromptAwait {

  private static final Duration POLL_INTERVAL = Duration.ofMillis(10);

  private PromptAwait() {}

  static ConditionFactory await() {
    return Awaitility.await().pollDelay(Duration.ZERO).pollInterval(POLL_INTERVAL);
  }
}
