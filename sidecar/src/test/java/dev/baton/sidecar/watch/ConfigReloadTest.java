package dev.baton.sidecar.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.sidecar.testing.ControlClient;
import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.http.Http;
import dev.baton.testkit.kubelet.KubeletVolume;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.sample.EchoWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Config reloads end to end: a real {@code baton}, Perl echo workers that read {@code app.conf} at start
 * (as applications read their config), and a ConfigMap volume updated exactly as the kubelet does it.
 * {@code --watch} reloads once per update; a reload sent with {@code expect} (as the operator sends
 * it as soon as the ConfigMap changed) waits until the kubelet has caught up, so its generation starts
 * with the new config, and fails after {@code --config-wait} if the config never comes.
 */
class ConfigReloadTest {
    @TempDir
    Path tmp;
    private final int port = FreePorts.next();
    private final int controlPort = FreePorts.next();
    private final ControlClient control = new ControlClient(controlPort);
    private BatonProcess baton;
    private KubeletVolume volume;

    @AfterEach
    void stop() throws Exception {
        if (baton != null) {
            baton.close();
        }
    }

    @Test
    void watchReloadsOncePerKubeletUpdateAndTheNewGenerationHasTheNewConfig() throws Exception {
        start("--watch", volume("v1").toString(), "--watch-debounce", "500ms");
        assertThat(Http.body(port, "/config")).endsWith(":1:v1");
        baton.awaitLog("--watch: watching " + volume.path());

        volume.update(Map.of("app.conf", "v2"));
        JsonObject first = awaitReloads(1).getJsonObject(0);
        assertThat(first.getString("trigger")).isEqualTo("watch");
        assertThat(control.awaitReload(first.getLong("id"), "succeeded").getInteger("generation")).isEqualTo(2);
        assertThat(Http.body(port, "/config")).endsWith(":2:v2");
        baton.awaitLog("config changed under " + volume.path() + " \\([0-9a-f]{12}…\\)$");

        for (String version : List.of("v3", "v4", "v5")) { // three updates in a row: one reload
            volume.update(Map.of("app.conf", version));
        }
        JsonObject second = awaitReloads(2).getJsonObject(1);
        control.awaitReload(second.getLong("id"), "succeeded");
        assertThat(Http.body(port, "/config")).endsWith(":3:v5");
        await().during(java.time.Duration.ofSeconds(2)).atMost(java.time.Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(control.status().getJsonArray("reloads")).hasSize(2));
    }

    @Test
    void aReloadExpectingAConfigWaitsUntilTheKubeletHasMountedIt() throws Exception {
        start();
        long id = control.reload(expect("v2"));
        JsonObject waiting = control.awaitReload(id, "waiting");
        assertThat(waiting.getString("message")).startsWith("waiting for the config under " + volume.path() + " to be "
                + ConfigHash.brief(hash("v2")) + " (it is " + ConfigHash.brief(hash("v1")) + ": the kubelet updates");
        assertThat(Http.body(port, "/config")).endsWith(":1:v1");

        volume.update(Map.of("app.conf", "v2")); // the kubelet, a minute later
        assertThat(control.awaitReload(id, "succeeded").getInteger("generation")).isEqualTo(2);
        assertThat(Http.body(port, "/config")).endsWith(":2:v2");
    }

    /** The operator's reload and the watcher's see the same update: one reload, the operator's. */
    @Test
    void withWatchTooTheUpdateReloadsOnceAsTheWaitingReload() throws Exception {
        start("--watch", volume("v1").toString(), "--watch-debounce", "300ms");
        long id = control.reload(expect("v2"));
        control.awaitReload(id, "waiting");
        volume.update(Map.of("app.conf", "v2"));
        assertThat(control.awaitReload(id, "succeeded").getInteger("generation")).isEqualTo(2);
        baton.awaitLog("config changed under " + volume.path());
        await().during(java.time.Duration.ofSeconds(2)).atMost(java.time.Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(control.status().getJsonArray("reloads")).hasSize(1));
        assertThat(Http.body(port, "/config")).endsWith(":2:v2");
    }

    @Test
    void aConfigThatNeverComesFailsTheReloadAfterConfigWaitOrTheRequestsTimeout() throws Exception {
        start("--config-wait", "2s");
        long id = control.reload(expect("v9"));
        JsonObject failed = control.awaitReload(id, "failed");
        assertThat(failed.getString("message")).startsWith("waiting for the config under " + volume.path())
                .endsWith("; gave up after 2 s (--config-wait); generation 1 keeps serving");
        assertThat(Http.body(port, "/config")).endsWith(":1:v1");

        JsonObject body = new JsonObject(expect("v9")).put("expectTimeout", "1500ms");
        JsonObject second = control.awaitReload(control.reload(body.encode()), "failed");
        assertThat(second.getString("message")).endsWith("; gave up after 1500 ms (expectTimeout); generation 1 keeps serving");
        assertThat(control.metrics()).contains("baton_reload_gate_refusals_total{gate=\"config\"} 2");
        assertThat(control.status().getJsonArray("features")).contains("expect");
    }

    @Test
    void aBadExpectIsRefusedWithTheFix() throws Exception {
        start();
        assertThat(control.send("POST", "/reload", "{\"expect\": [{\"path\": \"etc/app\", \"sha256\": \"" + hash("x") + "\"}]}").body())
                .contains("expect.path must be an absolute path");
        assertThat(control.send("POST", "/reload", "{\"expect\": [{\"path\": \"/no/such/dir\", \"sha256\": \"" + hash("x") + "\"}]}").body())
                .contains("expect.path /no/such/dir does not exist in baton's container");
        var r = control.send("POST", "/reload", "{\"expect\": [{\"path\": \"" + volume.path() + "\", \"sha256\": \"abc\"}]}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("expect.sha256 must be the config hash, sha256: and 64 hex digits");
        r = control.send("POST", "/reload", new JsonObject(expect("v2")).put("expectTimeout", "soon").encode());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("expectTimeout must be a duration such as");
        assertThat(control.status().getJsonArray("reloads")).isEmpty();
    }

    private void start(String... options) throws Exception {
        if (volume == null) {
            volume("v1");
        }
        List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + port, "--control", "127.0.0.1:" + controlPort,
                "--interval", "0.3"));
        args.addAll(List.of(options));
        args.add("--");
        args.addAll(EchoWorker.command());
        baton = BatonProcess.start(List.of(), args, Map.of("WORKER_CONFIG", volume.path().resolve("app.conf").toString()));
        baton.readyPid(1);
    }

    private Path volume(String content) throws Exception {
        volume = KubeletVolume.create(tmp.resolve("etc-app"), Map.of("app.conf", content));
        return volume.path();
    }

    /** The body the operator sends: the hash it computed from the ConfigMap's data {app.conf: content}. */
    private String expect(String content) {
        return new JsonObject().put("reason", "configmap/app changed").put("expect", new JsonArray()
                .add(new JsonObject().put("path", volume.path().toString()).put("sha256", hash(content)))).encode();
    }

    private static String hash(String appConf) {
        return ConfigHash.of(Map.of("app.conf", appConf.getBytes(StandardCharsets.UTF_8)));
    }

    private JsonArray awaitReloads(int n) {
        JsonArray[] reloads = new JsonArray[1];
        await().atMost(BatonProcess.PATIENCE).until(() -> (reloads[0] = control.status().getJsonArray("reloads")).size() >= n);
        return reloads[0];
    }
}
