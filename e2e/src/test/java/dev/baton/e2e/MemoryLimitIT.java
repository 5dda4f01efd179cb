package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.e2e.control.Reload;
import dev.baton.e2e.server.SupervisedServer;
import dev.baton.e2e.server.WorkerKind;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.load.LoadResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * FACTS.md's scenario, which before the memory gate ended in the kernel's OOM killer: {@code baton} + agent
 * + the JDK HttpServer sample with a pre-touched 160 MB heap in a 360 MB memory cgroup (v1; as root, skipped
 * with the reason elsewhere), four clients, two HUPs. Measured on the code before it: 2-3 OOM kills, the
 * serving worker killed twice, failed requests, and both reloads reported succeeded. Now a generation that
 * cannot fit is never started: both reloads fail, saying why, and the first generation serves throughout;
 * with a heap that leaves room for two generations the same reloads succeed.
 */
class MemoryLimitIT {
  private static final long MB = 1 << 20;

  @Test
  @Timeout(240)
  void aJvmGenerationThatCannotFitIsNeverStarted() throws Exception {
    Outcome o = run(160);
    assertThat(o.reloads()).as("%s", o).allSatisfy(r -> {
      assertThat(r.state()).isEqualTo("failed");
      assertThat(r.message()).startsWith("generation ").contains(" would not fit in memory: it needs about ")
          .contains(" of the 360 MiB limit are free").endsWith("; generation 1 keeps serving");
    });
    assertThat(o.result().generations().keySet()).as("only the first generation served").containsExactly(1);
    assertThat(o.result().failed()).as("failed %s%s", o.result().failedBy(), o.tail()).isZero();
    assertThat(o.oomKills()).as("OOM kills%s", o.tail()).isZero();
  }

  @Test
  @Timeout(240)
  void jvmGenerationsThatFitAreReloadedAsEver() throws Exception {
    Outcome o = run(48);
    assertThat(o.reloads()).as("%s", o).allSatisfy(r -> assertThat(r.state()).isEqualTo("succeeded"));
    assertThat(o.result().failed()).as("failed %s%s", o.result().failedBy(), o.tail()).isZero();
    assertThat(o.oomKills()).as("OOM kills%s", o.tail()).isZero();
  }

  private record Outcome(List<Reload> reloads, LoadResult result, long oomKills, String tail) {}

  /** The scenario with a pre-touched heap of {@code heapMb}: serving, four clients, a HUP, another 1.5 s later. */
  private static Outcome run(int heapMb) throws Exception {
    String why = V1MemoryCgroup.unavailable();
    assumeTrue(why == null, why);
    try (V1MemoryCgroup cgroup = V1MemoryCgroup.create(360 * MB);
         SupervisedServer server = SupervisedServer.builder(E2e.home(), WorkerKind.JDK).sleepMillis(20)
             .supervisorPrefix(cgroup.prefix().toArray(String[]::new))
             .workerJvmArgs("-Xms" + heapMb + "m", "-Xmx" + heapMb + "m", "-XX:+AlwaysPreTouch").start()) {
      server.awaitServing(Duration.ofSeconds(90));
      HttpLoad load = HttpLoad.start(HttpLoad.Options.of(server.port(), 4, 0, false));
      await().atMost(Duration.ofSeconds(30)).until(() -> load.completed() >= 100);
      long before = server.control().lastReloadId();
      server.hup();
      Thread.sleep(1500);
      server.hup();
      List<Reload> reloads = await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
          .until(() -> server.control().reloads().stream().filter(r -> r.id() > before).toList(),
              rs -> !rs.isEmpty() && rs.stream().allMatch(Reload::finished) && server.control().workers().size() == 1);
      long served = load.completed();
      await().atMost(Duration.ofSeconds(30)).until(() -> load.completed() >= served + 100);
      load.stop();
      LoadResult result = load.await(Duration.ofSeconds(60));
      return new Outcome(reloads, result, cgroup.oomKills(), E2e.tail(server));
    }
  }

  /** A cgroup v1 memory group below this JVM's own, with a limit and no swap; entered through {@link #prefix()}. */
  private record V1MemoryCgroup(Path dir) implements AutoCloseable {
    private static final Path MOUNT = Path.of("/sys/fs/cgroup/memory");

    static String unavailable() {
      if (!"root".equals(System.getProperty("user.name"))) {
        return "not root: cannot make a memory cgroup";
      }
      return Files.isWritable(own()) ? null : "no writable cgroup v1 memory controller at " + MOUNT;
    }

    /** This process's memory cgroup ({@code N:memory:/path} in /proc/self/cgroup), under the usual mount point. */
    private static Path own() {
      try {
        return Files.readAllLines(Path.of("/proc/self/cgroup")).stream().map(l -> l.split(":", 3))
            .filter(f -> f.length == 3 && List.of(f[1].split(",")).contains("memory"))
            .map(f -> MOUNT.resolve(f[2].substring(1))).findFirst().orElse(Path.of("/nonexistent"));
      } catch (IOException e) {
        return Path.of("/nonexistent");
      }
    }

    static V1MemoryCgroup create(long limit) throws IOException {
      Path dir = Files.createDirectory(own().resolve("baton-it-" + ProcessHandle.current().pid() + "-"
          + Integer.toHexString(ThreadLocalRandom.current().nextInt())));
      Files.writeString(dir.resolve("memory.limit_in_bytes"), Long.toString(limit));
      Files.writeString(dir.resolve("memory.swappiness"), "0");
      return new V1MemoryCgroup(dir);
    }

    List<String> prefix() {
      return List.of("sh", "-c", "echo $$ > '" + dir.resolve("cgroup.procs") + "' && exec \"$@\"", "sh");
    }

    long oomKills() throws IOException {
      return Files.readAllLines(dir.resolve("memory.oom_control")).stream().filter(l -> l.startsWith("oom_kill "))
          .mapToLong(l -> Long.parseLong(l.substring(9).trim())).findFirst().orElseThrow();
    }

    @Override
    public void close() throws IOException {
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        for (String pid : Files.readAllLines(dir.resolve("cgroup.procs"))) {
          ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
        }
        return Files.readAllLines(dir.resolve("cgroup.procs")).isEmpty();
      });
      Files.delete(dir);
    }
  }
}
