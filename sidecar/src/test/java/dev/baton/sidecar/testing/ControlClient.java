package dev.baton.sidecar.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

import io.vertx.core.json.JsonObject;

import dev.baton.testkit.baton.BatonProcess;

/**
 * baton's control API through a real HTTP client, for tests that drive reloads and read their outcome: it fails
 * on an unexpected answer and waits with Awaitility. Not the test kit's: the kit depends on the JDK alone (no JSON
 * library, no Awaitility), and e2e's {@code ControlClient} is the demo's, run in {@code baton-e2e.jar}, typed and
 * tolerant of a baton that does not answer yet.
 */
public final class ControlClient {
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    public ControlClient(int port) {
        this.port = port;
    }

    public HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** {@code POST /reload} with {@code body} (or none); the reload's id, failing on anything but 202. */
    public long reload(String body) throws IOException, InterruptedException {
        HttpResponse<String> r = send("POST", "/reload", body);
        if (r.statusCode() != 202) {
            throw new AssertionError("POST /reload answered " + r.statusCode() + ": " + r.body());
        }
        return new JsonObject(r.body()).getLong("id");
    }

    public JsonObject reload(long id) throws IOException, InterruptedException {
        return new JsonObject(send("GET", "/reloads/" + id, null).body());
    }

    public JsonObject status() throws IOException, InterruptedException {
        return new JsonObject(send("GET", "/status", null).body());
    }

    public String metrics() throws IOException, InterruptedException {
        return send("GET", "/metrics", null).body();
    }

    /** Waits until reload {@code id} satisfies {@code condition}, and returns it as it was then. */
    public JsonObject awaitReload(long id, Predicate<JsonObject> condition) {
        JsonObject[] last = new JsonObject[1];
        try {
            await().atMost(BatonProcess.PATIENCE.multipliedBy(2)).pollInterval(Duration.ofMillis(50)).until(() -> {
                last[0] = reload(id);
                return condition.test(last[0]);
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("reload " + id + " never got there; last seen: " + last[0], e);
        }
        return last[0];
    }

    public JsonObject awaitReload(long id, String state) {
        return awaitReload(id, r -> state.equals(r.getString("state")));
    }

    /** The newest reload's id in /status, or 0. */
    public long lastReloadId() throws IOException, InterruptedException {
        var reloads = status().getJsonArray("reloads");
        return reloads.isEmpty() ? 0 : reloads.getJsonObject(reloads.size() - 1).getLong("id");
    }
}
