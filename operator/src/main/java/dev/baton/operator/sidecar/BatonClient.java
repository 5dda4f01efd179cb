package dev.baton.operator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/** Talks to one pod's baton control API: {@code GET /status}, {@code POST /reload}, {@code GET /reloads/{id}}. */
public class BatonClient {
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
    return send(base, token, "GET", "/status", 200);
  }

  public ReloadState startReload(URI base, String token) throws BatonException, InterruptedException {
    return ReloadState.of(send(base, token, "POST", "/reload", 202));
  }

  /** The reload {@code id}, or null when baton no longer knows it (it restarted). */
  public ReloadState reload(URI base, String token, long id) throws BatonException, InterruptedException {
    JsonNode n = send(base, token, "GET", "/reloads/" + id, 200, 404);
    return n == null ? null : ReloadState.of(n);
  }

  private JsonNode send(URI base, String token, String method, String path, int... expected)
      throws BatonException, InterruptedException {
    URI uri = base.resolve(path);
    HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(requestTimeout)
        .method(method, HttpRequest.BodyPublishers.noBody());
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
