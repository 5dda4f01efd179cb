package dev.baton.sidecar.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.sidecar.testing.ControlClient;
import dev.baton.sidecar.testing.MemoryCgroup;
import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.http.Http;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.sample.EchoWorker;
import io.vertx.core.json.JsonObject;

/**
 * A real {@code baton} in a memory-limited cgroup (v1, as root; skipped with the reason elsewhere), its
 * workers Perl echo workers holding {@value #WORKER_MIB} MiB each (a JVM's heap), under load. Charged to
 * the cgroup: baton ~40 MiB, each generation ~{@value #WORKER_MIB} MiB. Without the memory gate every
 * case here ends in the kernel's OOM killer (checked on the code before it: {@code oom_kill} 1-2 and
 * failed requests); with it nothing is OOM-killed and no request fails.
 */
class ReloadInMemoryLimitTest {
    private static final long MIB = 1 << 20;
    private static final int WORKER_MIB = 120;

    @TempDir
    Path envdir;
    private final int port = FreePorts.next();
    private final int controlPort = FreePorts.next();

    /**
     * 240 MiB: baton and one generation (~160 MiB) fit, a second does not (~280), and nothing else will
     * exit: the reload is refused at once, in one line, and the serving worker serves on.
     */
    @Test
    void aReloadThatCannotFitIsRefusedAndTheServingWorkerServesOn() throws Exception {
        assumeTrue(MemoryCgroup.unavailable() == null, MemoryCgroup.unavailable());
        try (MemoryCgroup cgroup = MemoryCgroup.create("refused", 240 * MIB);
             BatonProcess baton = start(cgroup)) {
            String serving = baton.readyPid(1);
            ControlClient control = new ControlClient(controlPort);
            try (HttpLoad load = EchoWorker.load(port, "/", 2)) {
                long id = control.reload(null);
                JsonObject failed = control.awaitReload(id, "failed");

                assertThat(failed.getString("message")).matches("generation 2 would not fit in memory: it needs about \\d+(\\.\\d)? MiB"
                        + " \\(generation 1's peak \\d+(\\.\\d)? MiB \\+ --memory-margin 24 MiB\\) and \\d+(\\.\\d)? MiB of the 240 MiB limit are free,"
                        + " and no older generation is left to exit: .*; generation 1 keeps serving");
                assertThat(baton.awaitLog("baton: warning: reload " + id + " failed: generation 2 would not fit in memory"))
                        .as("one line in the log").isNotNull();
                long before = load.completed();
                org.awaitility.Awaitility.await().atMost(BatonProcess.PATIENCE).until(() -> load.completed() > before + 50);
                load.close();
                assertThat(load.failures()).as("%s", load).isEmpty();
                assertThat(load.answeredBy(Long.parseLong(serving))).isEqualTo(load.completed());
            }
            assertThat(cgroup.oomKills()).isZero();
            assertThat(Http.body(port, "/")).startsWith(serving + ":1");
            assertThat(control.status().getJsonObject("memory").getLong("limitBytes")).isEqualTo(240 * MIB);
            assertThat(control.metrics()).contains("baton_reload_gate_refusals_total{gate=\"memory\"} 1",
                    "baton_memory_limit_bytes " + 240 * MIB, "baton_memory_oom_kills_total 0");
        }
    }

    /**
     * 340 MiB holds baton and two generations (~280 MiB), not three (~400). The first reload fits and
     * succeeds. The second's old generation hangs in its drain (until --drain-timeout's KILL, 4 s), and a
     * third reload asked meanwhile waits for it to exit instead of starting a third generation; then it
     * starts and succeeds.
     */
    @Test
    void aReloadThatFitsSucceedsAndOneThatWouldNotWaitsForTheDrainingGeneration() throws Exception {
        assumeTrue(MemoryCgroup.unavailable() == null, MemoryCgroup.unavailable());
        try (MemoryCgroup cgroup = MemoryCgroup.create("waits", 340 * MIB);
             BatonProcess baton = start(cgroup, "--memory-margin", "16M", "--drain-timeout", "4s")) {
            baton.readyPid(1);
            ControlClient control = new ControlClient(controlPort);
            try (HttpLoad load = EchoWorker.load(port, "/", 2)) {
                Files.writeString(envdir.resolve("WORKER_HANG_ON_TERM"), "1"); // generation 2 will hang when retired
                assertThat(control.awaitReload(control.reload(null), r -> r.getString("state").matches("succeeded|failed"))
                        .getString("state")).as("two generations fit").isEqualTo("succeeded");
                Files.delete(envdir.resolve("WORKER_HANG_ON_TERM"));

                long second = control.reload(null); // generation 3 serves; 2 hangs in its drain for 4 s
                control.awaitReload(second, "draining");
                long third = control.reload(null);
                JsonObject waiting = control.awaitReload(third, "waiting");
                assertThat(waiting.getString("message")).startsWith("generation 4 would not fit in memory")
                        .endsWith("; waiting for generation 2 to exit");

                JsonObject done = control.awaitReload(third, r -> r.getString("state").matches("succeeded|failed"));
                assertThat(done.getString("state")).as("%s", done).isEqualTo("succeeded");
                assertThat(done.getInteger("generation")).isEqualTo(4);
                assertThat(control.reload(second).getString("state")).isEqualTo("succeeded");
                load.close();
                assertThat(load.failures()).as("%s", load).isEmpty();
            }
            assertThat(cgroup.oomKills()).isZero();
            assertThat(control.metrics()).contains("baton_reload_gate_waits_total{gate=\"memory\"} 1");
        }
    }

    private BatonProcess start(MemoryCgroup cgroup, String... options) throws Exception {
        Files.writeString(envdir.resolve("WORKER_MEMORY_MB"), Integer.toString(WORKER_MIB));
        List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + port, "--control", "127.0.0.1:" + controlPort,
                "--interval", "0.5", "--envdir", envdir.toString()));
        args.addAll(List.of(options));
        args.add("--");
        args.addAll(EchoWorker.command());
        return BatonProcess.start(cgroup.prefix(), args, null);
    }
}
