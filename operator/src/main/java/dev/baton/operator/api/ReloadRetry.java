package dev.baton.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Retries of a pod whose reload failed: up to {@code limit} more attempts, the first after {@code backoff},
 * each next one after twice as long (at most 5 minutes). Only failures a second try can mend are retried:
 * baton reported the reload failed, it timed out, or baton did not answer; a pod that is not Ready, has no
 * baton, or was deleted is not.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReloadRetry {
  private Integer limit;
  private String backoff;

  public ReloadRetry() {}

  public ReloadRetry(Integer limit, String backoff) {
    this.limit = limit;
    this.backoff = backoff;
  }

  /** More attempts after the first one (default 0: no retry). */
  public Integer getLimit() { return limit; }
  public void setLimit(Integer limit) { this.limit = limit; }
  /** Wait before the first retry, a Go-style duration (default 10s); doubles for each next one. */
  public String getBackoff() { return backoff; }
  public void setBackoff(String backoff) { this.backoff = backoff; }
}
