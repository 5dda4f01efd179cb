package dev.baton.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-generation accounting against real processes: a shell stands in for the supervisor and starts
 * three "generations" one after another, each a shell that waits, then burns CPU itself and in a child
 * of its own (as Starlet's workers), writes what the kernel says it used ({@code times}) and exits at
 * once. The sampler looks only once a second, so its last look at a generation comes before most of
 * that CPU was spent.
 */
class ContainerSamplerTest {

  private static final Pattern TIME = Pattern.compile("(\\d+)m([0-9.]+)s");

  @TempDir
  Path dir;

  @Test
  @Timeout(120)
  void aGenerationsCpuIsCompleteOnceItHasExitedEvenWhenItWasLastSeenIdle() throws Exception {
    String generation = "sleep 1.5; n=0; while [ $n -lt $1 ]; do n=$((n+1)); done;"
        + " (m=0; while [ $m -lt $1 ]; do m=$((m+1)); done); times > \"$2\"";
    String supervisor = "for g in 1 2 3; do SERVER_STARTER_GENERATION=$g sh -c '" + generation + "' gen $((g * 40000)) "
        + dir + "/times-$g & wait; done; sleep 60";
    Process process = new ProcessBuilder("sh", "-c", supervisor).start();
    try (ContainerSampler sampler = new ContainerSampler(process.pid(), Duration.ofSeconds(1), Duration.ofSeconds(1))) {
      ContainerSampler.Snapshot first = sampler.snapshot();
      await().atMost(Duration.ofSeconds(90)).until(() -> generations(sampler).stream()
          .filter(ContainerSampler.Generation::complete).count() == 3);
      ContainerSampler.Snapshot last = sampler.snapshot();

      List<ContainerSampler.Generation> generations = generations(sampler);
      assertThat(generations).extracting(ContainerSampler.Generation::generation).containsExactly(1, 2, 3);
      double sum = 0;
      for (ContainerSampler.Generation g : generations) {
        double truth = cpuSecondsIn(dir.resolve("times-" + g.generation()));
        assertThat(truth).as("generation %d burnt CPU", g.generation()).isGreaterThan(0.02);
        assertThat(g.cpuSeconds()).as("CPU of generation %d (its own `times`: %.2f s)", g.generation(), truth)
            .isCloseTo(truth, within(0.03));
        assertThat(g.goneMillis()).isGreaterThan(g.spawnMillis());
        assertThat(g.peakRssKb()).isPositive();
        // its own process's threads, by kind (a shell's one thread keeps the process's name): what the tree used
        // less its child's share as last seen, the rest of the shell's life after its last look included
        assertThat(g.threads()).as("generation %d's threads were read", g.generation()).isNotNull();
        assertThat(g.threads().totalSeconds()).isPositive().isLessThanOrEqualTo(g.cpuSeconds() + 1e-6);
        assertThat(g.threads().threads().get(ThreadCpu.Kind.MAIN)).isEqualTo(1);
        sum += g.cpuSeconds();
      }
      assertThat(last.cpuSecondsSince(first)).as("the container's CPU meanwhile").isCloseTo(sum, within(0.1));
      Set<Long> workers = Set.of(generations.get(0).pid(), generations.get(2).pid());
      assertThat(sampler.completedSpawnedBetween(first.atMillis() - 1000, last.atMillis(), workers))
          .as("only the workers named").extracting(ContainerSampler.Generation::generation).containsExactly(1, 3);
      assertThat(sampler.peakRssKb(first.atMillis(), last.atMillis())).isPositive();
    } finally {
      process.destroyForcibly().waitFor();
    }
  }

  /** The three generations (the supervisor's last child, its {@code sleep}, has none). */
  private static List<ContainerSampler.Generation> generations(ContainerSampler sampler) {
    return sampler.generations().stream().filter(g -> g.generation() > 0).toList();
  }

  /** The four figures {@code times} prints: the shell's user and system time, then its children's. */
  private static double cpuSecondsIn(Path file) throws Exception {
    Matcher m = TIME.matcher(Files.readString(file));
    double seconds = 0;
    int found = 0;
    while (m.find()) {
      seconds += Integer.parseInt(m.group(1)) * 60 + Double.parseDouble(m.group(2));
      found++;
    }
    assertThat(found).as("figures in " + file).isEqualTo(4);
    return seconds;
  }
}
