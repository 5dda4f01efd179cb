package dev.baton.sidecar.supervise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.baton.sidecar.jvmcache.JvmCache;

/** {@link WorkerLauncher} alone, with fake worker processes: what a generation starts with, and what it says. */
class WorkerLauncherTest {
    private static final Map<String, String> RUNS_AGENT = Map.of("JAVA_TOOL_OPTIONS", "-javaagent:/opt/baton/baton-agent.jar");

    private final ManualLoop loop = new ManualLoop();
    private final FakeWorkerProcesses processes = new FakeWorkerProcesses(loop);
    private final PrintStream originalErr = System.err;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    private WorkerLauncher launcher(Map<String, String> env, String... options) {
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        return new WorkerLauncher(InProcessSupervisor.config(options), new WorkerEnvironment(env, "8080=3"), JvmCache.OFF, processes, loop);
    }

    private String log() {
        return log.toString(StandardCharsets.UTF_8);
    }

    @AfterEach
    void restoreStderr() {
        System.setErr(originalErr);
        originalErr.print(log());
    }

    @Test
    void eachGenerationGetsItsNumberAndThePortsInItsEnvironment() throws Exception {
        WorkerLauncher launcher = launcher(Map.of("APP", "x"));
        Worker w = launcher.launch(null, 7, true);
        assertThat(processes.generation(7).env()).containsEntry("SERVER_STARTER_GENERATION", "7")
                .containsEntry("SERVER_STARTER_PORT", "8080=3").containsEntry("APP", "x");
        assertThat(processes.generation(7).command()).containsExactly("worker");
        assertThat(w.pid).isEqualTo(processes.pid(7));
        assertThat(w.runsBatonAgent).isFalse();
        assertThat(log()).contains("starting new worker " + w.pid);
    }

    @Test
    void aWorkerRunningTheAgentIsReadyOnlyAtItsReady1UnderAutoReadinessAndThatIsSaidOnce() throws Exception {
        WorkerLauncher launcher = launcher(RUNS_AGENT);
        assertThat(launcher.launch(null, 1, true).runsBatonAgent).isTrue();
        assertThat(launcher.launch(null, 2, true).runsBatonAgent).isTrue();
        assertThat(log().lines().filter(l -> l.startsWith("the worker runs the Baton agent"))).hasSize(1);

        assertThat(launcher(RUNS_AGENT, "--readiness", "alive").launch(null, 3, true).runsBatonAgent).isFalse();
    }

    @Test
    void aSpawnThatFailsIsThrownAndLoggedOnlyWhenAsked() {
        processes.failSpawnsWith("cannot execute worker command 'worker': No such file or directory");
        WorkerLauncher launcher = launcher(Map.of());
        assertThatThrownBy(() -> launcher.launch(null, 1, false)).isInstanceOf(WorkerLauncher.CannotSpawn.class)
                .hasMessage("cannot execute worker command 'worker': No such file or directory");
        assertThat(log()).doesNotContain("error");
        assertThatThrownBy(() -> launcher.launch(null, 2, true)).isInstanceOf(WorkerLauncher.CannotSpawn.class);
        assertThat(log()).contains("baton: error: cannot execute worker command 'worker': No such file or directory");
    }
}
