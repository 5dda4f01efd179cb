package dev.baton.operator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;

/** Talks to one pod's baton control API: {@code GET /status}, {@code POST /reload}, {@code GET /reloads/{id}}. */
public class BatonClient {
  /** What {@code GET /status}'s {@code features} lists when baton honours {@code POST /reload}'s {@code expect}. */
  public static final String EXPECT_FEATURE = "expect";

  /** "Start the new generation once the config mounted at {@code path} has this config hash." */
  public record Expect(String path, String sha256) {}

  /** A reload as baton reports it; {@code state} is queued, starting, retrying, draining, succeeded or failed. */
  public record ReloadState(long id, String state, Long generation, String message) {
    public boolean isDone() {
      return "succeeded".equals(state) || "failed".equals(state);
    }

    static ReloadState of(JsonNode n) {
      return new ReloadState(n.path("id").asLong(), n.path("state").asText(""),
          n.hasNonNull("generation") ? n.get("generation").asLong() : null, n.path("message").asText(""));
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http;
  private final Duration requestTimeout;

  public BatonClient(Duration requestTimeout) {
    this.requestTimeout = requestTimeout;
    this.http = HttpClient.newBuilder().connectTimeout(requestTimeout).version(HttpClient.Version.HTTP_1_1).build();
  }

  /** Baton's {@code /status}: its current generation and its recent reloads. */
  public JsonNode status(URI base, String token) throws BatonException, InterruptedException {
    return send(base, token, "GET", "/status", null, 200);
  }

  /** Whether a {@code GET /status} answer lists {@code feature} (a baton older than the feature lists nothing). */
  public static boolean hasFeature(JsonNode status, String feature) {
    for (JsonNode f : status.path("features")) {
      if (feature.equals(f.asText())) {
        return true;
      }
    }
    return false;
  }

  /** A plain reload, as a HUP: no body. */
  public ReloadState startReload(URI base, String token) throws BatonException, InterruptedException {
    return ReloadState.of(send(base, token, "POST", "/reload", null, 202));
  }

  /**
   * A reload whose generation baton starts only once every {@code expect} path has its hash, waiting at most
   * {@code expectTimeout} ("150s", "500ms"); only for a baton whose status lists {@link #EXPECT_FEATURE} (an
   * older one ignores it).
   */
  public ReloadState startReload(URI base, String token, String reason, List<Expect> expect, String expectTimeout)
      throws BatonException, InterruptedException {
    ObjectNode body = JSON.createObjectNode().put("reason", reason);
    ArrayNode list = body.putArray("expect");
    expect.forEach(e -> list.addObject().put("path", e.path()).put("sha256", e.sha256()));
    body.put("expectTimeout", expectTimeout);
    return ReloadState.of(send(base, token, "POST", "/reload", body.toString(), 202));
  }

  /** The reload {@code id}, or null when baton no longer knows it (it restarted). */
  public ReloadState reload(URI base, String token, long id) throws BatonException, InterruptedException {
    JsonNode n = send(base, token, "GET", "/reloads/" + id, null, 200, 404);
    return n == null ? null : ReloadState.of(n);
  }

  private JsonNode send(URI base, String token, String method, String path, String json, int... expected)
      throws BatonException, InterruptedException {
    URI uri = base.resolve(path);
    HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(requestTimeout)
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      req.header("Content-Type", "application/json");
    }
    if (token != null && !token.isBlank()) {
      req.header("Authorization", "Bearer " + token.strip());
    }
    HttpResponse<String> resp;
    try {
      resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new BatonException("baton at " + base + " refused the connection", e);
    } catch (HttpTimeoutException e) {
      throw new BatonException("baton at " + base + " did not answer within " + requestTimeout.toSeconds() + "s", e);
    } catch (IOException e) {
      throw new BatonException("baton at " + base + " did not answer: " + e, e);
    }
    int code = resp.statusCode();
    if (code == 404 && expected.length > 1 && expected[1] == 404) {
      return null;
    }
    if (code != expected[0]) {
      throw new BatonException(method + " " + uri + " answered " + code + (code == 401 || code == 403
          ? " (wrong or missing control token)" : "") + ": " + abbreviate(resp.body()));
    }
    try {
      return JSON.readTree(resp.body());
    } catch (IOException e) {
      throw new BatonException(method + " " + uri + " answered something that is not JSON: " + abbreviate(resp.body()), e);
    }
  }

  private static String abbreviate(String s) {
    s = s == null ? "" : s.strip();
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }
}
