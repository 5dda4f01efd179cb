package dev.baton.sidecar.control;

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
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.http.Http;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.sample.EchoWorker;
import io.vertx.core.json.JsonObject;

/** The control and health API of a real baton, through a real HTTP client. */
class ControlApiTest {

    @TempDir
    Path tmp;

    private final int port = FreePorts.next();
    private final int controlPort = FreePorts.next();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private BatonProcess baton;

    private BatonProcess start(String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + port, "--control", "127.0.0.1:" + controlPort));
        args.addAll(List.of(options));
        args.add("--");
        args.addAll(EchoWorker.command());
        baton = BatonProcess.start(args);
        baton.readyPid(1);
        return baton;
    }

    @AfterEach
    void stop() throws Exception {
        if (baton != null) {
            baton.close();
        }
    }

    private HttpResponse<String> send(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controlPort + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, null, null);
    }

    private JsonObject awaitReload(long id, String state) {
        JsonObject[] last = new JsonObject[1];
        await().atMost(BatonProcess.PATIENCE).until(() -> {
            last[0] = new JsonObject(get("/reloads/" + id).body());
            return state.equals(last[0].getString("state"));
        });
        return last[0];
    }

    @Test
    void probesStatusReloadAndMetrics() throws Exception {
        start();
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("ready\n");

        JsonObject status = new JsonObject(get("/status").body());
        assertThat(status.getInteger("pid")).isEqualTo((int) baton.pid());
        assertThat(status.getInteger("generation")).isEqualTo(1);
        assertThat(status.getJsonArray("workers")).hasSize(1);
        JsonObject worker = status.getJsonArray("workers").getJsonObject(0);
        assertThat(worker.getString("state")).isEqualTo("serving");
        assertThat(Http.body(port, "/")).isEqualTo(worker.getInteger("pid") + ":1");

        HttpResponse<String> accepted = send("POST", "/reload", null, null);
        assertThat(accepted.statusCode()).isEqualTo(202);
        long id = new JsonObject(accepted.body()).getLong("id");
        assertThat(accepted.headers().firstValue("Location")).hasValue("/reloads/" + id);
        JsonObject done = awaitReload(id, "succeeded");
        assertThat(done.getInteger("generation")).isEqualTo(2);
        assertThat(done.getLong("readyMillis")).isPositive();
        assertThat(done.getLong("doneMillis")).isGreaterThanOrEqualTo(done.getLong("readyMillis"));

        String metrics = get("/metrics").body();
        assertThat(metrics).contains("baton_reloads_total{result=\"succeeded\"} 1", "baton_reloads_total{result=\"failed\"} 0",
                "baton_workers{state=\"serving\"} 1", "baton_reload_duration_seconds_count 1",
                "baton_worker_restarts_total 0", "baton_generation 2", "baton_ready 1");
    }

    @Test
    void aFailedReloadIsReportedWithItsReason() throws Exception {
        Path envdir = Files.createDirectory(tmp.resolve("env"));
        start("--envdir", envdir.toString());
        Files.writeString(envdir.resolve("WORKER_EXIT_AT_START"), "4");
        long id = new JsonObject(send("POST", "/reload", "{\"reason\":\"deploy 42\"}", null).body()).getLong("id");
        JsonObject failed = awaitReload(id, "failed");
        assertThat(failed.getString("message")).contains("exited with exit code 4 before it was ready")
                .contains("generation 1 keeps serving");
        assertThat(get("/readyz").statusCode()).isEqualTo(200);
        assertThat(get("/metrics").body()).contains("baton_reloads_total{result=\"failed\"} 1");
    }

    @Test
    void withATokenEverythingButTheProbesNeedsIt() throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), "s3cret\n");
        start("--control-token-file", token.toString());
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
        assertThat(get("/readyz").statusCode()).isEqualTo(200);
        assertThat(get("/status").statusCode()).isEqualTo(401);
        assertThat(send("GET", "/status", null, "wrong").statusCode()).isEqualTo(401);
        assertThat(send("POST", "/reload", null, null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/metrics", null, "s3cret").statusCode()).isEqualTo(200);
        assertThat(send("POST", "/reload", null, "s3cret").statusCode()).isEqualTo(202);
    }

    @Test
    void badRequestsGetTheRightStatusAndLeaveTheSupervisorServing() throws Exception {
        start();
        assertThat(send("POST", "/reload", "x".repeat(ControlServer.MAX_BODY_BYTES + 1), null).statusCode()).isEqualTo(413);
        assertThat(send("POST", "/reload", "[1,2", null).statusCode()).isEqualTo(400);
        assertThat(send("POST", "/reload", "{\"reason\":5}", null).statusCode()).isEqualTo(400);
        assertThat(send("GET", "/reload", null, null).statusCode()).isEqualTo(405);
        assertThat(get("/nope").statusCode()).isEqualTo(404);
        assertThat(get("/reloads/999").statusCode()).isEqualTo(404);
        assertThat(get("/reloads/abc").statusCode()).isEqualTo(404);

        List<CompletableFuture<HttpResponse<String>>> many = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            many.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controlPort + "/status")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> f : many) {
            assertThat(f.get().statusCode()).isEqualTo(200);
        }
        assertThat(get("/readyz").statusCode()).isEqualTo(200);
        assertThat(Http.get(port, "/").status()).isEqualTo(200);
    }

    @Test
    void restartThroughTheApiWaitsForItsReloadAndReportsFailure() throws Exception {
        Path envdir = Files.createDirectory(tmp.resolve("env"));
        start("--envdir", envdir.toString());
        List<String> restart = new ArrayList<>(BatonProcess.javaCommand());
        restart.addAll(List.of("--restart", "--control", "127.0.0.1:" + controlPort));
        Process ok = new ProcessBuilder(restart).redirectErrorStream(true).start();
        assertThat(ok.waitFor()).isZero();
        assertThat(new String(ok.getInputStream().readAllBytes())).contains("reload 1 succeeded: generation 2 serving");

        Files.writeString(envdir.resolve("WORKER_EXIT_AT_START"), "1");
        Process failing = new ProcessBuilder(restart).redirectErrorStream(true).start();
        assertThat(failing.waitFor()).isEqualTo(1);
        assertThat(new String(failing.getInputStream().readAllBytes())).contains("reload 2 failed: generation 3")
                .contains("generation 2 keeps serving");
    }
}
