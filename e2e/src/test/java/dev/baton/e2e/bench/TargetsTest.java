package dev.baton.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.e2e.server.WorkerKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The report's verdicts against issue 18's targets, on rows with the figures of the 2026-12-06 quiet runs. */
class TargetsTest {
  static final List<String> C1 = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  static PerReload row(WorkerKind kind, List<String> jvmArgs, AgentCost.Cache cache, double period, double rpsWithout,
      double rpsWith, int reloads, double lost, double cpuUnderLoad, long failed) {
    WorkerSetup setup = new WorkerSetup(kind, kind.jvm() ? "java" : null, kind.jvm() ? "JDK 25" : null, jvmArgs, cache, null,
        null);
    return new PerReload(setup, "ab", period, rpsWithout, rpsWith, reloads, lost, 0.5, cpuUnderLoad, 0.8, 200, 250, 600, 700,
        400_000, 120, 300, failed);
  }

  @Test
  void eachTargetIsMetOrMissedByHowMuch() {
    List<Targets.Verdict> verdicts = Targets.read(List.of(
        row(WorkerKind.VERTX, C1, AgentCost.Cache.BATON, 1, 9560, 7695, 25, 0.203, 1.12, 0),
        row(WorkerKind.JDK, C1, AgentCost.Cache.BATON, 1, 7672, 5159, 38, 0.334, 1.32, 0),
        row(WorkerKind.JDK, C1, AgentCost.Cache.NONE, 1, 7265, 4236, 4, 0.492, 1.46, 0),
        row(WorkerKind.VERTX, C1, AgentCost.Cache.BATON, 10, 9560, 9337, 2, 0.250, 6.55, 0),
        row(WorkerKind.GO, List.of(), AgentCost.Cache.NONE, 1, 9596, 9537, 21, 0.006, 0.45, 0)));

    assertThat(verdicts).extracting(Targets.Verdict::target, Targets.Verdict::met).containsExactly(
        org.assertj.core.groups.Tuple.tuple("0 failed", true),
        org.assertj.core.groups.Tuple.tuple("≤ 0.25 s lost per reload, HUP every 1 s", true),
        org.assertj.core.groups.Tuple.tuple("≤ 0.25 s lost per reload, HUP every 1 s", false),
        org.assertj.core.groups.Tuple.tuple("≤ 0.25 s lost per reload, HUP every 1 s", false),
        org.assertj.core.groups.Tuple.tuple("ratio ≥ 0.975, HUP every ≥ 10 s", true),
        org.assertj.core.groups.Tuple.tuple("the cache halves CPU-s per generation under load", false));
    assertThat(verdicts.get(2).note()).isEqualTo("over by 0.084 s (1.3×)");
    assertThat(verdicts.get(3).note()).isEqualTo("over by 0.242 s (2.0×)");
    assertThat(verdicts.get(4).measured()).isEqualTo("0.977");
    assertThat(verdicts.get(4).note()).isEqualTo("2 reloads in the run: too few to tell");
    // Only the JDK HttpServer has a twin without the cache in the same run and period: 1.32 / 1.46.
    assertThat(verdicts.get(5).measured()).isEqualTo("1.32 s with, 1.46 s without: ×0.90");
    assertThat(verdicts.get(5).note()).isEqualTo("1.8× the target share");
  }

  @Test
  void aFailedRequestAnywhereMissesTheFirstTarget() {
    List<Targets.Verdict> verdicts = Targets.read(List.of(
        row(WorkerKind.GO, List.of(), AgentCost.Cache.NONE, 1, 9596, 9537, 21, 0.006, 0.45, 3)));
    assertThat(verdicts).singleElement().satisfies(v -> {
      assertThat(v.met()).isFalse();
      assertThat(v.measured()).isEqualTo("3 failed");
    });
    StringBuilder md = new StringBuilder();
    Targets.markdown(md, List.of(row(WorkerKind.JDK, C1, AgentCost.Cache.NONE, 1, 7265, 4236, 4, 0.492, 1.46, 0)), 1000);
    assertThat(md.toString()).contains("| ≤ 0.25 s lost per reload, HUP every 1 s | JDK HttpServer + agent (baton)"
        + " [JDK 25, -XX:TieredStopAtLevel=1 -XX:+UseSerialGC], `ab -r` | 0.492 s | **missed**: over by 0.242 s (2.0×) |")
        .doesNotContain("only indicative");
    StringBuilder quick = new StringBuilder();
    Targets.markdown(quick, List.of(), 200);
    assertThat(quick.toString()).contains("This run used `-c 200`; the targets are set at `-c 1000`");
  }
}
