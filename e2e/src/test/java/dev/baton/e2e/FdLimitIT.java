package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.e2e.server.SupervisedServer;
import dev.baton.e2e.server.WorkerKind;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.load.LoadResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The worker runs out of file descriptors: a JVM with the agent under {@code prlimit --nofile=128},
 * and more concurrent connections than that. accept(2) fails with EMFILE while the worker is full; the
 * server must survive it, and the connections waiting in the listening socket's queue (baton's socket)
 * are accepted and answered as soon as answered ones free their descriptors.
 */
class FdLimitIT {

  private static final int LIMIT = 128;

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = WorkerKind.class, names = {"JDK", "VERTX"})
  @Timeout(180)
  void aWorkerOutOfDescriptorsKeepsServingAndAnswersEveryQueuedConnectionOnceSomeFree(WorkerKind kind) throws Exception {
    try (SupervisedServer server = SupervisedServer.builder(E2e.home(), kind).sleepMillis(1000)
        .workerPrefix("prlimit", "--nofile=" + LIMIT + ":" + LIMIT).start()) {
      server.awaitServing(Duration.ofSeconds(60));
      long worker = server.control().workers().get(0).pid();
      long idle = openFds(worker);

      AtomicLong most = new AtomicLong();
      AtomicBoolean sampling = new AtomicBoolean(true);
      Thread sampler = new Thread(() -> {
        while (sampling.get()) {
          most.accumulateAndGet(openFds(worker), Math::max);
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      sampler.start();
      // 300 at once against a handler that takes 1 s: far more than the 128 descriptors the worker may hold
      HttpLoad load = HttpLoad.start(HttpLoad.Options.of(server.port(), 300, 900, false));
      LoadResult result = load.await(Duration.ofSeconds(150));
      sampling.set(false);
      sampler.join();
      System.out.println(kind.title() + " worker at fd limit " + LIMIT + ": " + idle + " fds idle, at most " + most.get() + "; "
          + result.complete() + " answered, " + result.failed() + " failed " + result.failedBy());

      assertThat(most.get()).as("the worker reached its descriptor limit").isGreaterThanOrEqualTo(LIMIT - 2);
      assertThat(result.failed()).as("failed %s, e.g. %s%s", result.failedBy(), load.failureSamples(), E2e.tail(server))
          .isZero();
      assertThat(result.complete()).isEqualTo(900);
      assertThat(server.control().workers()).as("the same worker, never restarted").singleElement()
          .satisfies(w -> assertThat(w.pid()).isEqualTo(worker));
      await().atMost(Duration.ofSeconds(30)).until(() -> openFds(worker) <= idle + 5);
      assertThat(server.get()).as("serves after it recovered").isNotNull();
    }
  }

  private static long openFds(long pid) {
    try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
      return fds.count();
    } catch (IOException gone) {
      return -1;
    }
  }
}
