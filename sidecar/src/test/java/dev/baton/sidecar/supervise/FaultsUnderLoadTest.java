package dev.baton.sidecar.supervise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.load.RequestLog;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.sample.EchoWorker;
import dev.baton.testkit.signal.Signals;
import io.vertx.core.json.JsonObject;

/**
 * The fault matrix's worker faults, each under load from real HTTP clients that count every failed
 * request (ARCHITECTURE.md, "Fault matrix"): what is lost is asserted, not just that baton survives.
 */
class FaultsUnderLoadTest {

    @TempDir
    Path tmp;

    private final int port = FreePorts.next();
    private final int control = FreePorts.next();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private BatonProcess baton(String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + port, "--control", "127.0.0.1:" + control));
        args.addAll(List.of(options));
        args.add("--");
        args.addAll(EchoWorker.command());
        return BatonProcess.start(args);
    }

    private String controlGet(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + control + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void aFailingReloadIsRetriedWithBackoffWhileTheOldGenerationServes() throws Exception {
        Path envdir = Files.createDirectory(tmp.resolve("env"));
        Path broken = envdir.resolve("WORKER_EXIT_AT_START");
        // --interval 1: a generation that exits at start must be gone before the interval calls it ready, and
        // a Perl start on a loaded 2-core machine has taken more than 0.3 s
        try (BatonProcess baton = baton("--envdir", envdir.toString(), "--interval", "1",
                "--reload-retries", "2", "--reload-retry-delay", "1s")) {
            String first = baton.readyPid(1);
            Files.writeString(broken, "7");
            try (HttpLoad load = EchoWorker.load(port, "/", 3)) {
                // reload 1: the deploy stays broken, every attempt fails, backoff 1 s then 2 s, then it gives up
                baton.hup();
                baton.awaitLog("reload 1 attempt 1 failed: generation 2 \\(pid \\d+\\) exited with exit code 7 before it was ready; "
                        + "retrying in 1 s \\(--reload-retries 2\\)");
                JsonObject retrying = new JsonObject(controlGet("/reloads/1"));
                assertThat(retrying.getString("state")).as(retrying.encode()).isIn("retrying", "starting");
                baton.awaitLog("reload 1 attempt 2 failed: generation 3 .* retrying in 2 s");
                assertThat(baton.awaitLog("reload 1 failed: generation 4 "))
                        .endsWith("exited with exit code 7 before it was ready (attempt 3, no retry left); generation 1 keeps serving");
                JsonObject failed = new JsonObject(controlGet("/reloads/1"));
                assertThat(failed.getString("state")).isEqualTo("failed");
                assertThat(failed.getInteger("attempts")).isEqualTo(3);

                // reload 2: fixed while it waits for its retry; asking again retries at once, as the same reload
                baton.hup();
                baton.awaitLog("reload 2 attempt 1 failed: generation 5 ");
                Files.delete(broken);
                baton.hup();
                baton.awaitLog("reload 2 was waiting to be retried; retrying it now");
                String fixed = baton.readyPid(6);
                baton.awaitGone(first);
                await().atMost(BatonProcess.PATIENCE).until(() -> load.answeredBy(Long.parseLong(fixed)) > 0);
                JsonObject succeeded = new JsonObject(controlGet("/reloads/2"));
                assertThat(succeeded.getString("state")).isEqualTo("succeeded");
                assertThat(succeeded.getInteger("attempts")).isEqualTo(2);
                assertThat(load.answeredBy(Long.parseLong(first))).isPositive();
                load.close();
                System.out.println("reload retried: " + load);
                assertThat(load.failures()).as(load.toString()).isEmpty();
            }
            JsonObject status = new JsonObject(controlGet("/status"));
            assertThat(status.getJsonObject("reloadRetries").encode()).isEqualTo("{\"limit\":2,\"started\":3}");
            assertThat(controlGet("/metrics")).contains("baton_reload_retries_total 3\n", "baton_reload_retry_limit 2\n",
                    "baton_reloads_total{result=\"failed\"} 1\n", "baton_reloads_total{result=\"succeeded\"} 1\n");
        }
    }

    @Test
    void anOldGenerationHangingInItsDrainIsKilledAtTheDrainTimeoutWhileTheNewOneServesAndNothingFails() throws Exception {
        Path envdir = Files.createDirectory(tmp.resolve("env"));
        Files.writeString(envdir.resolve("WORKER_HANG_ON_TERM"), "1");
        try (BatonProcess baton = baton("--envdir", envdir.toString(), "--interval", "0.3", "--drain-timeout", "2s")) {
            String first = baton.readyPid(1);
            Files.delete(envdir.resolve("WORKER_HANG_ON_TERM"));
            try (HttpLoad load = HttpLoad.start(EchoWorker.loadOptions(port, "/", 4), new RequestLog())) {
                await().atMost(BatonProcess.PATIENCE).until(() -> load.answeredBy(Long.parseLong(first)) > 10);
                baton.hup();
                String second = baton.readyPid(2);
                baton.awaitLog("worker " + first + " got TERM \\(hanging in drain\\)");
                assertThat(baton.awaitLog("sending KILL")).contains("worker " + first + " (generation 1) still running 2 s after TERM");
                long killed = System.nanoTime();
                baton.awaitLog("old worker " + first + " died, status:9");
                await().atMost(BatonProcess.PATIENCE).until(() -> load.answeredBy(Long.parseLong(second)) > load.answeredBySentBefore(Long.parseLong(second), killed));
                load.close();
                System.out.println("old generation hung in its drain: " + load);
                assertThat(load.answeredBySentBefore(Long.parseLong(second), killed)).as("the new generation served during the hung drain").isPositive();
                assertThat(load.failures()).as(load.toString()).isEmpty();
            }
        }
    }

    /**
     * A worker that ignores TERM keeps accepting until the SIGKILL: what it holds at that instant is
     * lost — for this one-request-at-a-time worker at most one request; nothing is ever refused.
     */
    @Test
    void anOldGenerationIgnoringTermLosesAtMostWhatItHoldsWhenKilled() throws Exception {
        Path envdir = Files.createDirectory(tmp.resolve("env"));
        Files.writeString(envdir.resolve("WORKER_IGNORE_TERM"), "1");
        try (BatonProcess baton = baton("--envdir", envdir.toString(), "--interval", "0.3", "--drain-timeout", "1s")) {
            String first = baton.readyPid(1);
            Files.delete(envdir.resolve("WORKER_IGNORE_TERM"));
            try (HttpLoad load = EchoWorker.load(port, "/sleep/20", 4)) {
                await().atMost(BatonProcess.PATIENCE).until(() -> load.answeredBy(Long.parseLong(first)) > 10);
                baton.hup();
                String second = baton.readyPid(2);
                baton.awaitLog("old worker " + first + " died, status:9");
                await().atMost(BatonProcess.PATIENCE).until(() -> load.answeredBy(Long.parseLong(second)) > 10);
                load.close();
                System.out.println("old generation ignoring TERM: " + load);
                assertThat(load.failed(HttpLoad.CONNECT)).as("refused: %s", load).isZero();
                assertThat(broken(load)).as(load.toString()).isLessThanOrEqualTo(1);
            }
        }
    }

    /**
     * The serving worker is SIGKILLed under load: the request it was answering fails (this worker
     * holds one at a time); the connections waiting in the listening socket's queue belong to baton's
     * socket, not to the dead worker, and are answered by the respawned one; none is refused.
     */
    @Test
    void aSigkilledWorkerLosesOnlyTheRequestItHeldAndQueuedConnectionsAreServedByItsReplacement() throws Exception {
        try (BatonProcess baton = baton("--interval", "0.2")) {
            String first = baton.readyPid(1);
            try (HttpLoad load = HttpLoad.start(EchoWorker.loadOptions(port, "/sleep/200", 4), new RequestLog())) {
                await().atMost(BatonProcess.PATIENCE).until(() -> load.answeredBy(Long.parseLong(first)) >= 4);
                long killed = System.nanoTime();
                Signals.send(Integer.parseInt(first), "KILL");
                baton.awaitLog("worker " + first + " died unexpectedly with status:9 = killed by SIGKILL, restarting");
                String second = baton.readyPid(2);
                await().atMost(BatonProcess.PATIENCE).pollInterval(Duration.ofMillis(50))
                        .until(() -> load.answeredBy(Long.parseLong(second)) >= 8);
                load.close();
                System.out.println("serving worker SIGKILLed: " + load + "; queued at the kill and answered by the new worker: "
                        + load.answeredBySentBefore(Long.parseLong(second), killed));
                assertThat(load.failed(HttpLoad.CONNECT)).as("refused: %s", load).isZero();
                assertThat(broken(load)).as("only the request the dead worker held: " + load).isLessThanOrEqualTo(1);
                assertThat(load.answeredBySentBefore(Long.parseLong(second), killed)).as("queued before the kill, answered by the new worker: " + load)
                        .isGreaterThanOrEqualTo(2);
            }
        }
    }

    /** Requests that got a connection but no whole answer 200: reset, cut short (the worker holding them died). */
    private static long broken(HttpLoad load) {
        return load.failed() - load.failed(HttpLoad.CONNECT) + load.non2xx();
    }
}
