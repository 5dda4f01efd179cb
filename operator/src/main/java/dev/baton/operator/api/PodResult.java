package dev.baton.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One pod's step. {@code Reloading} is written before the reload is requested (with the baton generation
 * seen then) and again with baton's reload id, so a restarted operator follows that reload instead of
 * starting another one.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodResult {
  public static final String RELOADING = "Reloading";
  public static final String SUCCEEDED = "Succeeded";
  public static final String FAILED = "Failed";

  private String pod;
  private String result;
  /** Baton's generation: the one seen before the reload while Reloading, the new one once done. */
  private Long generation;
  private Long reloadId;
  /** Reloads asked of this pod's baton so far (more than 1 when spec.retry retried it). */
  private Integer attempts;
  private String message;

  public PodResult() {}

  public PodResult(String pod, String result, Long generation, String message) {
    this.pod = pod;
    this.result = result;
    this.generation = generation;
    this.message = message;
  }

  @JsonIgnore
  public boolean isDone() {
    return SUCCEEDED.equals(result) || FAILED.equals(result);
  }

  public String getPod() { return pod; }
  public void setPod(String pod) { this.pod = pod; }
  public String getResult() { return result; }
  public void setResult(String result) { this.result = result; }
  public Long getGeneration() { return generation; }
  public void setGeneration(Long generation) { this.generation = generation; }
  public Long getReloadId() { return reloadId; }
  public void setReloadId(Long reloadId) { this.reloadId = reloadId; }
  public Integer getAttempts() { return attempts; }
  public void setAttempts(Integer attempts) { this.attempts = attempts; }
  public String getMessage() { return message; }
  public void setMessage(String message) { this.message = message; }
}
