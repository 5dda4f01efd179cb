package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.e2e.control.ControlClient;
import dev.baton.e2e.control.Reload;
import dev.baton.e2e.server.SupervisedServer;
import dev.baton.e2e.server.WorkerKind;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.load.LoadResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload that fails half-way, under load: the new generation dies (or never gets ready) before it is
 * ready. The old generation must keep serving without losing a request, and the next good reload must
 * still work. The failure is switched on through {@code --envdir}, which baton re-reads at every reload.
 */
class FailedReloadIT {

  @TempDir
  Path envdir;

  @Test
  @Timeout(180)
  void newGenerationCrashingBeforeReadyLosesNothing() throws Exception {
    runFailingReload("SAMPLE_FAIL_ON_START", "database unreachable");
  }

  /**
   * A worker configured for another port binds that port normally: it never adopts the inherited
   * socket, so the agent never says READY=1 and {@code --ready-timeout} stops it.
   */
  @Test
  @Timeout(180)
  void newGenerationNeverReadyLosesNothing() throws Exception {
    runFailingReload("PORT", "0");
  }

  private void runFailingReload(String variable, String value) throws Exception {
    try (SupervisedServer server = SupervisedServer.builder(E2e.home(), WorkerKind.JDK).sleepMillis(100)
        .envdir(envdir).supervisorArgs("--ready-timeout=10s").start()) {
      server.awaitServing(Duration.ofSeconds(60));
      ControlClient control = server.control();
      HttpLoad load = HttpLoad.start(HttpLoad.Options.of(server.port(), 50, 0, false));
      await().atMost(Duration.ofSeconds(30)).until(() -> load.completed() >= 200);

      Files.writeString(envdir.resolve(variable), value);
      Reload failed = reload(server);
      assertThat(failed.state()).as("the bad reload: %s%s", failed, E2e.tail(server)).isEqualTo("failed");
      long servedBeforeRecovery = load.completed();
      await().atMost(Duration.ofSeconds(30)).until(() -> load.completed() >= servedBeforeRecovery + 200);
      // A generation that missed --ready-timeout fails the reload as it is sent TERM: it leaves the table when it exits
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(control.workers())
          .as("only the first generation left").singleElement().satisfies(w -> assertThat(w.generation()).isEqualTo(1)));

      Files.delete(envdir.resolve(variable));
      Reload good = reload(server);
      assertThat(good.state()).as("the next reload: %s%s", good, E2e.tail(server)).isEqualTo("succeeded");
      long servedAfterRecovery = load.completed();
      await().atMost(Duration.ofSeconds(30)).until(() -> load.completed() >= servedAfterRecovery + 200);
      load.stop();
      LoadResult result = load.await(Duration.ofSeconds(60));

      assertThat(result.failed()).as("failed %s, e.g. %s%s", result.failedBy(), load.failureSamples(),
          E2e.tail(server)).isZero();
      assertThat(result.non2xx()).isZero();
      // SERVER_STARTER_GENERATION counts every spawn, the failed one too: 1 served, 2 failed, 3 serves.
      assertThat(result.generations().keySet()).containsExactly(1, good.generation());
      assertThat(good.generation()).isGreaterThan(failed.generation());
    }
  }

  private static Reload reload(SupervisedServer server) {
    long before = server.control().lastReloadId();
    server.hup();
    return await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
        .until(() -> server.control().reloads().stream().filter(r -> r.id() > before && r.finished())
            .findFirst().orElse(null), r -> r != null);
  }
}
