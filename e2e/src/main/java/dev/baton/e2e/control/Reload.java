package dev.baton.e2e.control;

import io.vertx.core.json.JsonObject;

/**
 * One reload as baton's control API reports it.
 *
 * @param readyMillis request (HUP) to the new generation ready, or -1
 * @param doneMillis request to every older generation gone, or -1
 */
public record Reload(long id, String state, String trigger, int generation, String message, long readyMillis,
    long doneMillis) {

  static Reload of(JsonObject json) {
    return new Reload(json.getLong("id"), json.getString("state"), json.getString("trigger"),
        json.getInteger("generation", 0), json.getString("message", ""), json.getLong("readyMillis", -1L),
        json.getLong("doneMillis", -1L));
  }

  public boolean finished() {
    return succeeded() || "failed".equals(state);
  }

  public boolean succeeded() {
    return "succeeded".equals(state);
  }
}
