package dev.baton.e2e.control;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A client of baton's control API ({@code --control=127.0.0.1:PORT}): {@code /status}, {@code /reloads/{id}}. */
public final class ControlClient {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI base;

  public ControlClient(int port) {
    this.base = URI.create("http://127.0.0.1:" + port);
  }

  /** {@code GET /status}, or null while baton does not answer. */
  public JsonObject status() {
    try {
      HttpResponse<String> response = http.send(
          HttpRequest.newBuilder(base.resolve("/status")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? new JsonObject(response.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** {@code GET /reloads/{id}}, or null if baton no longer knows it. */
  public Reload reload(long id) {
    try {
      HttpResponse<String> response = http.send(
          HttpRequest.newBuilder(base.resolve("/reloads/" + id)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Reload.of(new JsonObject(response.body())) : null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** True once baton answers and its current generation is ready. */
  public boolean ready() {
    JsonObject status = status();
    return status != null && status.getBoolean("ready", false);
  }

  /** The reloads baton still remembers (its last 20), oldest first. */
  public List<Reload> reloads() {
    JsonObject status = status();
    List<Reload> reloads = new ArrayList<>();
    if (status != null) {
      JsonArray array = status.getJsonArray("reloads", new JsonArray());
      for (int i = 0; i < array.size(); i++) {
        reloads.add(Reload.of(array.getJsonObject(i)));
      }
    }
    return reloads;
  }

  /** The highest reload id baton knows, 0 before the first. */
  public long lastReloadId() {
    return reloads().stream().mapToLong(Reload::id).max().orElse(0);
  }

  /** The live workers: generation and pid. */
  public List<WorkerInfo> workers() {
    JsonObject status = status();
    List<WorkerInfo> workers = new ArrayList<>();
    if (status != null) {
      JsonArray array = status.getJsonArray("workers", new JsonArray());
      for (int i = 0; i < array.size(); i++) {
        JsonObject w = array.getJsonObject(i);
        workers.add(new WorkerInfo(w.getInteger("generation"), w.getLong("pid"), w.getString("state"),
            java.time.Instant.parse(w.getString("startedAt"))));
      }
    }
    return workers;
  }

  /** One worker of {@code /status}. */
  public record WorkerInfo(int generation, long pid, String state, java.time.Instant startedAt) {}
}
