package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.operator.inject.MemoryFit;
import dev.baton.sidecar.memory.MemoryMargin;
import org.junit.jupiter.api.Test;

/**
 * The webhook's static memory rule (operator: MemoryFit) keeps the same margin as baton's own check before a
 * reload (sidecar: MemoryGate with the default --memory-margin). With different margins the webhook would
 * pass a container that baton then refuses to reload, or warn about one that reloads fine. This module is the
 * one that sees both.
 */
class MemoryRuleAgreementTest {

  @Test
  void theWebhooksMarginIsBatonsDefaultMargin() {
    assertThat(MemoryFit.MARGIN_PERCENT).isEqualTo(MemoryMargin.DEFAULT.percent());
    for (long limit : new long[] {1, 99, 100, 101, 360L << 20, 512L << 20, (2L << 30) + 7, 1L << 40}) {
      assertThat(MemoryFit.margin(limit)).as("margin of %d bytes", limit).isEqualTo(MemoryMargin.DEFAULT.bytes(limit));
    }
  }
}
