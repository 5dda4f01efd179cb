package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.e2e.control.ControlClient;
import dev.baton.e2e.control.Reload;
import dev.baton.e2e.server.SupervisedServer;
import dev.baton.e2e.server.WorkerKind;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.load.LoadResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The agent's {@code warmUp=N,warmUpTime=T}: a new generation that says READY=1 lets the old one serve beside it
 * until it has answered N requests, and a quiet server still retires the old one after T. Real baton, real JVM
 * workers with the agent, on both JDKs.
 */
class WarmUpIT {

  private static final String TEMURIN_25 = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";
  private static final Duration WARM_UP_TIME = Duration.ofSeconds(6);

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"java", TEMURIN_25})
  @Timeout(240)
  void theOldGenerationServesUntilTheNewOneAnsweredItsWarmUpRequestsOrItsTimeIsOver(String java) throws Exception {
    String workerJava = "java".equals(java) ? SupervisedServer.defaultJava() : java;
    assumeTrue(Files.isExecutable(Path.of(workerJava)), "skipped: no " + workerJava + " (install Temurin 25 there)");
    try (SupervisedServer server = SupervisedServer.builder(E2e.home(), WorkerKind.JDK).sleepMillis(20).workerJava(workerJava)
        .agentOptions("warmUp=20,warmUpTime=" + WARM_UP_TIME.toSeconds() + "s").supervisorArgs("--ready-timeout=60s")
        .start()) {
      server.awaitServing(Duration.ofSeconds(90));
      ControlClient control = server.control();

      // Quiet: no request reaches generation 2, so its warm-up time alone releases generation 1.
      long before = control.lastReloadId();
      server.hup();
      Reload warming = await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
          .until(() -> newer(control, before), r -> r != null && r.readyMillis() >= 0);
      Reload quiet = awaitFinished(control, warming.id());
      assertThat(quiet.succeeded()).as("%s%s", quiet, E2e.tail(server)).isTrue();
      assertThat(quiet.doneMillis() - quiet.readyMillis()).as("ready → old gone, quiet: %s%s", quiet, E2e.tail(server))
          .isGreaterThanOrEqualTo(WARM_UP_TIME.toMillis() - 1);
      assertThat(server.process().output()).contains("generation 2 warms up; the older generations serve beside it until it"
          + " has answered 20 requests, at most 6 s", "generation 2 warmed up for 6 s without answering 20 requests");

      // Under load: generation 3 answers 20 requests long before its warm-up time is over.
      HttpLoad load = HttpLoad.start(HttpLoad.Options.of(server.port(), 4, 0, false));
      await().atMost(Duration.ofSeconds(30)).until(() -> load.completed() >= 50);
      long beforeLoaded = control.lastReloadId();
      server.hup();
      Reload loadedId = await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
          .until(() -> newer(control, beforeLoaded), r -> r != null);
      Reload loaded = awaitFinished(control, loadedId.id());
      long after = load.completed();
      await().atMost(Duration.ofSeconds(30)).until(() -> load.completed() >= after + 50);
      load.stop();
      LoadResult result = load.await(Duration.ofSeconds(60));

      assertThat(loaded.succeeded()).as("%s%s", loaded, E2e.tail(server)).isTrue();
      assertThat(server.process().output()).as(E2e.tail(server)).contains("generation 3 is warm after");
      assertThat(loaded.doneMillis() - loaded.readyMillis()).as("ready → old gone, under load: %s%s", loaded, E2e.tail(server))
          .isLessThan(WARM_UP_TIME.toMillis());
      assertThat(result.failed()).as("failed %s, e.g. %s%s", result.failedBy(), load.failureSamples(), E2e.tail(server))
          .isZero();
      assertThat(result.non2xx()).isZero();
      assertThat(result.generations().keySet()).contains(2, 3);
      assertThat(server.process().output()).doesNotContain("warning:", "error:", "WARNING", "Exception");
    }
  }

  private static Reload newer(ControlClient control, long id) {
    return control.reloads().stream().filter(r -> r.id() > id).findFirst().orElse(null);
  }

  private static Reload awaitFinished(ControlClient control, long id) {
    return await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
        .until(() -> control.reload(id), Reload::finished);
  }
}
