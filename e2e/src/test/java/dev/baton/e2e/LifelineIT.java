package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.e2e.control.ControlClient;
import dev.baton.testkit.baton.BatonHome;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.load.LoadResult;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * baton itself is SIGKILLed under load. Its JVM worker (with the agent) notices through
 * {@code BATON_LIFELINE_FD} and, per the agent's {@code lifeline=} policy, keeps serving for the grace
 * and then drains and exits, or serves on until a new baton retires it. A baton started again with the
 * same pid and status files starts cleanly either way.
 */
class LifelineIT {

  @TempDir
  Path dir;

  private final int port = FreePorts.next();
  private final int controlPort = FreePorts.next();

  private StartedProcess baton(String agentOptions, String logName) {
    BatonHome home = E2e.home();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = List.of(home.baton().toString(), "--control=127.0.0.1:" + controlPort, "--readiness=notify",
        "--port=127.0.0.1:" + port, "--status-file=" + dir.resolve("status"), "--pid-file=" + dir.resolve("pid"),
        // a file, not the pipe to this JVM: the JDK stops reading a child's pipe once that child exited,
        // and the orphaned worker's lines after baton's death are what this test is about
        "--log-file=" + dir.resolve(logName),
        "--", java, "-javaagent:" + home.agentJar() + "=" + agentOptions, "-jar", home.sampleJar().toString(), "jdk");
    return StartedProcess.command(command).dir(dir).env(Map.of("PORT", Integer.toString(port), "SAMPLE_SLEEP_MS", "20",
        "BATON_JAVA", java)).logTo(dir.resolve(logName + ".out")).stopGrace(Duration.ofSeconds(20)).startUnchecked();
  }

  private long servingWorker(ControlClient control, StartedProcess baton, String logName) {
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      if (!baton.isAlive()) {
        throw new AssertionError("baton exited:\n" + baton.output() + log(logName));
      }
      return control.ready();
    });
    return control.workers().get(0).pid();
  }

  private static void sigkill(StartedProcess baton) {
    baton.signal("KILL"); // through the process object: it remembers the workers, so close() can still kill them
    await().atMost(Duration.ofSeconds(10)).until(() -> !baton.isAlive());
  }

  /** Running and not a zombie: orphans are reaped by whoever adopted them, maybe late. */
  private static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException gone) {
      return false;
    }
  }

  private String log(String logName) throws IOException {
    Path log = dir.resolve(logName);
    return Files.exists(log) ? Files.readString(log) : "";
  }

  private void awaitLine(String logName, String text) {
    await("a line with '" + text + "' in " + logName).atMost(Duration.ofSeconds(30)).until(() -> log(logName).contains(text));
  }

  @Test
  @Timeout(180)
  void anOrphanedWorkerServesThroughTheGraceThenDrainsAndExitsAndBatonRestartsCleanly() throws Exception {
    ControlClient control = new ControlClient(controlPort);
    StartedProcess killed = baton("lifelineGrace=5s", "killed.log");
    long worker;
    try {
      worker = servingWorker(control, killed, "killed.log");
      HttpLoad load = HttpLoad.start(HttpLoad.Options.of(port, 10, 0, false));
      await().atMost(Duration.ofSeconds(30)).until(() -> load.completed() >= 100);

      sigkill(killed);
      awaitLine("killed.log", "the supervisor is gone (BATON_LIFELINE_FD closed); serving 5000 ms more");
      long atNotice = load.completed();
      await().atMost(Duration.ofSeconds(30)).until(() -> load.completed() >= atNotice + 50);
      load.stop();
      LoadResult result = load.await(Duration.ofSeconds(30));
      System.out.println("baton SIGKILLed, worker in its grace: " + result.complete() + " answered, " + result.failed()
          + " failed " + result.failedBy());
      assertThat(result.failed()).as("failed %s, e.g. %s", result.failedBy(), load.failureSamples()).isZero();
      assertThat(alive(worker)).as("still serving in its grace").isTrue();

      awaitLine("killed.log", "drained in");
      await("the orphaned worker exits").atMost(Duration.ofSeconds(30)).until(() -> !alive(worker));
    } finally {
      killed.close();
    }

    // the stale pid and status files do not block a new baton on the same files and port
    try (StartedProcess again = baton("lifelineGrace=5s", "again.log")) {
      long next = servingWorker(control, again, "again.log");
      assertThat(next).isNotEqualTo(worker);
      assertThat(Files.readString(dir.resolve("pid")).trim()).isEqualTo(Long.toString(again.pid()));
      // (baton says this before it opens --log-file: on its own stderr)
      assertThat(again.output() + log("again.log")).doesNotContain("previous supervisor that died");
      HttpLoad load = HttpLoad.start(HttpLoad.Options.of(port, 4, 100, false));
      LoadResult result = load.await(Duration.ofSeconds(60));
      assertThat(result.failed()).isZero();
      assertThat(load.pids().values()).containsOnly(next);
    }
  }

  @Test
  @Timeout(180)
  void withLifelineServeTheOrphanServesOnUntilANewBatonRetiresIt() throws Exception {
    ControlClient control = new ControlClient(controlPort);
    StartedProcess killed = baton("lifeline=serve", "killed.log");
    long worker;
    try {
      worker = servingWorker(control, killed, "killed.log");
      HttpLoad load = HttpLoad.start(HttpLoad.Options.of(port, 10, 0, false));
      await().atMost(Duration.ofSeconds(30)).until(() -> load.completed() >= 100);
      sigkill(killed);
      awaitLine("killed.log", "the supervisor is gone (BATON_LIFELINE_FD closed); serving on (lifeline=serve)");
      long atNotice = load.completed();
      await().atMost(Duration.ofSeconds(30)).until(() -> load.completed() >= atNotice + 200);
      load.stop();
      LoadResult result = load.await(Duration.ofSeconds(30));
      assertThat(result.failed()).as("failed %s, e.g. %s", result.failedBy(), load.failureSamples()).isZero();
      assertThat(alive(worker)).isTrue();

      try (StartedProcess again = baton("lifeline=serve", "again.log")) {
        long next = servingWorker(control, again, "again.log");
        assertThat(again.output()).contains("previous supervisor that died").contains("[" + worker + "]");
        assertThat(alive(worker)).isFalse();
        assertThat(next).isNotEqualTo(worker);
        assertThat(Files.readString(dir.resolve("pid")).trim()).isEqualTo(Long.toString(again.pid()));
      }
    } finally {
      killed.close();
    }
  }
}
