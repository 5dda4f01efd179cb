package dev.baton.testkit.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code /proc/PID/stat} as read by a sampler: fields, and the start time against the wall clock. */
class ProcessTableTest {

  @Test
  void spawnTimeComesFromTheKernelToTenMilliseconds() throws Exception {
    long before = System.currentTimeMillis();
    Process child = new ProcessBuilder("sleep", "30").start();
    try {
      ProcessTable.Entry e = ProcessTable.read(child.pid());
      long spawn = ProcessTable.bootMillis() + e.startTicks() * 10;
      assertThat(spawn).isBetween(before - 50, System.currentTimeMillis() + 50);
      assertThat(e.ppid()).isEqualTo(ProcessHandle.current().pid());
      assertThat(ProcessTable.descendants(ProcessTable.scan(), ProcessHandle.current().pid()))
          .extracting(ProcessTable.Entry::pid).contains(child.pid());
    } finally {
      child.destroyForcibly().waitFor();
    }
    assertThat(ProcessTable.read(child.pid())).as("a reaped process").isNull();
  }

  @Test
  void aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
    String stat = "4242 (my (odd) name) S 17 4242 4242 0 -1 4194560 100 0 0 0 31 7 5 2 20 0 1 0 123456 10000000 2560 "
        + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
    ProcessTable.Entry e = ProcessTable.parse(4242, stat);
    assertThat(e.ppid()).isEqualTo(17);
    assertThat(e.state()).isEqualTo('S');
    assertThat(e.cpuTicks()).isEqualTo(38);
    assertThat(e.childCpuTicks()).isEqualTo(7);
    assertThat(e.startTicks()).isEqualTo(123456);
    assertThat(e.rssKb()).isEqualTo(2560 * 4);
  }
}
