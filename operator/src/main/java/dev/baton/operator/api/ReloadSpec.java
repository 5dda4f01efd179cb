package dev.baton.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;

/** What to reload ({@code target} or {@code selector}, exactly one) and how. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReloadSpec {
  public static final String STOP = "Stop";
  public static final String CONTINUE = "Continue";

  private ReloadTarget target;
  private LabelSelector selector;
  private IntOrString maxUnavailable;
  private String podTimeout;
  private String failurePolicy;
  private ReloadRetry retry;

  public ReloadTarget getTarget() { return target; }
  public void setTarget(ReloadTarget target) { this.target = target; }
  public LabelSelector getSelector() { return selector; }
  public void setSelector(LabelSelector selector) { this.selector = selector; }
  /** How many pods reload at once: an int or a percentage of the pods ("25%"); default 1. */
  public IntOrString getMaxUnavailable() { return maxUnavailable; }
  public void setMaxUnavailable(IntOrString maxUnavailable) { this.maxUnavailable = maxUnavailable; }
  /** How long one pod's reload may take, a Go-style duration ("90s", "2m"); default 5m. */
  public String getPodTimeout() { return podTimeout; }
  public void setPodTimeout(String podTimeout) { this.podTimeout = podTimeout; }
  /** {@code Stop} (default): the first failed pod fails the Reload; {@code Continue}: go on with the rest. */
  public String getFailurePolicy() { return failurePolicy; }
  public void setFailurePolicy(String failurePolicy) { this.failurePolicy = failurePolicy; }
  /** Retries of a pod whose reload failed; default none. */
  public ReloadRetry getRetry() { return retry; }
  public void setRetry(ReloadRetry retry) { this.retry = retry; }
}
