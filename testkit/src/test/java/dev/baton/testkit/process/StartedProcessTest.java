package dev.baton.testkit.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real shell as the started process: its lines, its signals, its exit, and what close leaves behind (nothing). */
class StartedProcessTest {

  @TempDir
  Path tmp;

  @Test
  void linesAreAwaitedAsTheyComeAndSignalsArriveByName() throws Exception {
    try (StartedProcess sh = StartedProcess.command(List.of("sh", "-c",
        "trap 'echo got HUP' HUP; trap 'echo got USR1; exit 3' USR1; echo \"ready $GREETING\"; "
            + "while :; do sleep 0.05; done")).env(Map.of("GREETING", "hello")).logTo(tmp.resolve("log")).start()) {
      assertThat(sh.awaitLine("^ready", Duration.ofSeconds(10))).isEqualTo("ready hello");
      sh.hup();
      sh.awaitStdout("got HUP"::equals, Duration.ofSeconds(10));
      sh.signal("USR1");
      assertThat(sh.awaitExit(Duration.ofSeconds(10))).isEqualTo(3);
      sh.awaitOutputEnd(Duration.ofSeconds(5));
      assertThat(sh.stdout()).containsExactly("ready hello", "got HUP", "got USR1");
      assertThat(sh.count("^got ")).isEqualTo(2);
      assertThat(sh.lines()).allSatisfy(l -> assertThat(l.atMillis()).isPositive());
      assertThat(Files.readAllLines(tmp.resolve("log"))).containsExactly("ready hello", "got HUP", "got USR1");
      assertThatThrownBy(() -> sh.signal("HUP")).as("a signal to a process that is gone").isInstanceOf(IllegalStateException.class);
      assertThat(sh.signalIfAlive("HUP")).isFalse();
    }
  }

  @Test
  void aWaitForALineThatCanNoLongerComeFailsAtOnceWithTheOutput() throws Exception {
    try (StartedProcess sh = StartedProcess.command(List.of("sh", "-c", "echo out; echo err >&2")).separateStderr().start()) {
      long started = System.nanoTime();
      assertThatThrownBy(() -> sh.awaitStdout("never"::equals, Duration.ofSeconds(30)))
          .isInstanceOf(AssertionError.class).hasMessageContaining("whose output ended").hasMessageContaining("out");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
      assertThat(sh.stderr()).containsExactly("err");
      assertThat(sh.transcript()).isEqualTo("out\n--- stderr ---\nerr");
    }
  }

  @Test
  void closeKillsTheProcessAndTheDescendantsItWasSeenWith() throws Exception {
    StartedProcess sh = StartedProcess.command(List.of("sh", "-c", "sleep 60 & echo child $!; wait")).start();
    long child = Long.parseLong(sh.awaitLine("^child ", Duration.ofSeconds(10)).substring(6));
    sh.close();
    assertThat(sh.isAlive()).isFalse();
    ProcessHandle.of(child).ifPresent(h -> assertThat(h.onExit()).succeedsWithin(Duration.ofSeconds(10)));
  }

  @Test
  void aGracefulStopSendsTermFirst() throws Exception {
    try (StartedProcess sh = StartedProcess.command(List.of("sh", "-c",
        "trap 'echo got TERM; exit 0' TERM; echo ready; while :; do sleep 0.05; done")).stopGrace(Duration.ofSeconds(10)).start()) {
      sh.awaitLine("ready", Duration.ofSeconds(10));
      sh.close();
      sh.awaitOutputEnd(Duration.ofSeconds(5));
      assertThat(sh.stdout()).contains("got TERM");
    }
  }

  @Test
  void commandsRunToTheirEnd() throws Exception {
    assertThat(Commands.run(Duration.ofSeconds(10), "sh", "-c", "echo one; echo two >&2; exit 4"))
        .isEqualTo(new Commands.Result(4, "one\ntwo\n"));
    assertThatThrownBy(() -> Commands.run(Duration.ofSeconds(10), "false").ok()).isInstanceOf(AssertionError.class);
    assertThat(Commands.onPath("sh")).isNotNull();
    assertThat(Commands.onPath("no-such-command-here")).isNull();
  }
}
