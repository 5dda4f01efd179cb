package dev.baton.operator.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Retries of a pod whose reload failed: up to {@code limit} more attempts, the first after {@code backoff},
 * each next one after twice as long (at most 5 minutes). Only failures a second try can mend are retried:
 * baton reported the reload failed, it timed out, or baton did not answer; a pod that is not Ready, has no
 * baton, or was deleted is not.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonClassDescription("Retries of a pod whose reload failed (baton reported failure, timed out or did not answer).")
public class ReloadRetry {
  @JsonPropertyDescription("More attempts after the first one, from 0 to 10 (default 0).")
  @ValidationRule(value = "self >= 0 && self <= 10",
      message = "spec.retry.limit must be from 0 to 10",
      messageExpression = "\"spec.retry.limit must be from 0 to 10, not \" + string(self)")
  private Integer limit;

  @JsonPropertyDescription("Wait before the first retry, doubled for each next one up to 5m (default 10s).")
  @ValidationRule(value = ReloadSpec.DURATION_RULE,
      message = "spec.retry.backoff must be a positive duration such as 10s or 1m",
      messageExpression = "\"spec.retry.backoff must be a positive duration such as 10s or 1m, not '\" + self + \"'\"")
  @Size(max = 64)
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
