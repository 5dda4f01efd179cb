package dev.baton.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.baton.e2e.timeline.GenerationLives.Life;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-reload arithmetic of the benchmark's headline table. */
class PerReloadTest {

  @Test
  void lostTimeIsTheExtraTimeOverTheReloadsWithIssue18sFigures() {
    // JDK HttpServer + agent, JDK 17 defaults: 100,000 requests at 6,389 req/s without HUPs, 959 with, 104 reloads
    assertThat(PerReload.lostSecondsPerReload(100_000, 959, 6389, 104)).isCloseTo(0.85, within(0.005));
    // the Go worker under baton: 9,577 and 9,248 req/s, 11 reloads
    assertThat(PerReload.lostSecondsPerReload(100_000, 9248, 9577, 11)).isCloseTo(0.034, within(0.001));
  }

  @Test
  void aRunCutShortByItsTimeLimitIsComparedAtTheSameNumberOfRequests() {
    // 60 s at 500 req/s answered 30,000; without HUPs 30,000 take 15 s at 2,000 req/s: 45 s lost over 30 reloads
    assertThat(PerReload.lostSecondsPerReload(30_000, 500, 2000, 30)).isCloseTo(1.5, within(1e-9));
    assertThat(PerReload.lostSecondsPerReload(30_000, 500, 2000, 0)).isNaN();
  }

  @Test
  void extraCpuIsWhatTheRunWithHupsSpentBeyondServingAsManyRequests() {
    // 40 CPU-s for 30,000 requests with HUPs; 10 CPU-s for 100,000 without: 3 CPU-s of serving, 37 over 20 reloads
    assertThat(PerReload.extraCpuSecondsPerReload(40, 30_000, 10, 100_000, 20)).isCloseTo(1.85, within(1e-9));
    assertThat(PerReload.extraCpuSecondsPerReload(-1, 30_000, 10, 100_000, 20)).isNaN();
  }

  @Test
  void reloadLatenciesUnderLoadCountFromTheLastHupBeforeTheSpawnToTheLastOlderGenerationGone() {
    List<Life> lives = List.of(
        new Life(11, 1, 0, 500, 2300, 2600),
        new Life(12, 2, 2000, 2300, 2900, 3400),     // HUP at 1000 and 1900 (coalesced): from 1900
        new Life(13, 3, 2800, 2900, -1, -1),         // HUP at 2700; generation 1 already gone
        new Life(14, 4, 5000, -1, -1, 5100));        // never ready: no reload timing
    List<ReloadTiming> timings = ReloadTiming.underLoad(lives, List.of(1000L, 1900L, 2700L, 4900L), 1000, 6000);
    assertThat(timings).containsExactly(new ReloadTiming(400, 700, -1), new ReloadTiming(200, 700, -1));
    assertThat(PerReload.median(timings, ReloadTiming::hupToReadyMillis)).isEqualTo(400);
  }

  @Test
  void anOldGenerationStillRunningLeavesOldGoneUnknown() {
    List<Life> lives = List.of(new Life(11, 1, 0, 500, 2300, -1), new Life(12, 2, 2000, 2300, -1, -1));
    assertThat(ReloadTiming.underLoad(lives, List.of(1900L), 1000, 6000)).containsExactly(new ReloadTiming(400, -1, -1));
  }
}
