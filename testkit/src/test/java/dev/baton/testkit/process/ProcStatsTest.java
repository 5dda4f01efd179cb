package dev.baton.testkit.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code /proc/PID/{status,stat,fd}} as read for a process's cost: a child that holds one thread and its three stdio pipes. */
class ProcStatsTest {

  @Test
  void countsThreadsAndOpenDescriptorsBesideMemory() throws Exception {
    Process child = new ProcessBuilder("sleep", "30").start();
    try {
      ProcStats stats = ProcStats.read(child.pid());
      assertThat(stats.threads()).isEqualTo(1);
      assertThat(stats.fds()).isEqualTo(3);
      assertThat(stats.rssKb()).isPositive();
      assertThat(stats.peakRssKb()).isGreaterThanOrEqualTo(stats.rssKb());
      assertThat(stats.toString()).matches("\\d+ MB RSS, 1 threads, 3 fds");
    } finally {
      child.destroyForcibly().waitFor();
    }
    assertThat(ProcStats.read(child.pid())).as("a reaped process").isNull();
  }
}
