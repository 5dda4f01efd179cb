package dev.baton.sidecar.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.sidecar.testing.ControlClient;
import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.sample.EchoWorker;
import io.vertx.core.json.JsonObject;

/**
 * {@code --max-generations} with a real baton under load: an old generation hangs in its drain (until
 * --drain-timeout's KILL), so a reload that would be one generation too many waits for it, fails after
 * --room-wait naming both options, and the next reload, once the old one is gone, succeeds.
 */
class GenerationCapTest {
    @TempDir
    Path envdir;

    @Test
    void aReloadThatWouldExceedTheCapWaitsForAnOldGenerationAndGivesUpAfterRoomWait() throws Exception {
        int port = FreePorts.next();
        int controlPort = FreePorts.next();
        Files.writeString(envdir.resolve("WORKER_HANG_ON_TERM"), "1"); // generation 1 hangs when retired
        List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + port, "--control", "127.0.0.1:" + controlPort,
                "--interval", "0.3", "--envdir", envdir.toString(), "--max-generations", "2", "--room-wait", "1s",
                "--drain-timeout", "8s", "--"));
        args.addAll(EchoWorker.command());
        try (BatonProcess baton = BatonProcess.start(args)) {
            baton.readyPid(1);
            HttpLoad load = EchoWorker.load(port, "/", 2);
            ControlClient control = new ControlClient(controlPort);
            Files.delete(envdir.resolve("WORKER_HANG_ON_TERM"));
            control.awaitReload(control.reload(null), "draining"); // generation 2 serves, 1 hangs in its drain

            long tooMany = control.reload(null);
            JsonObject waiting = control.awaitReload(tooMany, "waiting");
            assertThat(waiting.getString("message")).isEqualTo("generation 3 would be the 3rd generation alive"
                    + " (--max-generations 2); waiting for generation 1 to exit");
            JsonObject failed = control.awaitReload(tooMany, "failed");
            assertThat(failed.getString("message")).isEqualTo("generation 3 would be the 3rd generation alive"
                    + " (--max-generations 2); waiting for generation 1 to exit; gave up after 1 s (--room-wait);"
                    + " generation 2 keeps serving");

            baton.awaitLog("sending KILL \\(--drain-timeout\\)");
            JsonObject next = control.awaitReload(control.reload(null), r -> r.getString("state").matches("succeeded|failed"));
            assertThat(next.getString("state")).as("%s", next).isEqualTo("succeeded");
            assertThat(next.getInteger("generation")).as("the refused reload started no generation").isEqualTo(3);
            load.close();
            assertThat(load.failures()).as("%s", load).isEmpty();
            assertThat(control.metrics()).contains("baton_reload_gate_refusals_total{gate=\"generations\"} 1",
                    "baton_max_generations 2");
        }
    }
}
