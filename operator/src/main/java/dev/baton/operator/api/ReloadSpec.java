package dev.baton.operator.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;

/**
 * What to reload ({@code target} or {@code selector}, exactly one) and how. The {@link ValidationRule}s are
 * the operator's own checks ({@code ValidSpec}) in CEL, with its words, so the API server refuses at
 * admission what the operator would end as {@code InvalidSpec}; {@code CrdRulesTest} keeps the two in step.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonClassDescription("What to reload (target or selector, exactly one) and how.")
@ValidationRule(value = "has(self.target) || has(self.selector)",
    message = "set spec.target (kind and name of a workload) or spec.selector")
@ValidationRule(value = "!has(self.target) || !has(self.selector)",
    message = "set spec.target or spec.selector, not both")
public class ReloadSpec {
  public static final String STOP = "Stop";
  public static final String CONTINUE = "Continue";

  @JsonPropertyDescription("A workload in the Reload's namespace whose pods are reloaded.")
  private ReloadTarget target;

  @JsonPropertyDescription("The pods to reload, by label (matchLabels, matchExpressions).")
  @SchemaFrom(type = SelectorSchema.class)
  @ValidationRule(value = "(has(self.matchLabels) && size(self.matchLabels) > 0)"
      + " || (has(self.matchExpressions) && size(self.matchExpressions) > 0)",
      message = "spec.selector is empty: it would select every pod of the namespace")
  private LabelSelector selector;

  @JsonPropertyDescription("How many pods reload at once, a number (at least 1) or a percentage of the pods"
      + " such as 25% (rounds down, at least 1); default 1.")
  @ValidationRule(value = "type(self) != int || self >= 1",
      message = "spec.maxUnavailable must be at least 1",
      messageExpression = "\"spec.maxUnavailable must be at least 1, not \" + string(self)")
  @ValidationRule(value = "type(self) != string || self.trim().matches('^(0{0,2}[1-9]|0?[1-9][0-9]|100)%$')",
      message = "spec.maxUnavailable must be a number or a percentage from 1% to 100%",
      messageExpression = "\"spec.maxUnavailable must be a number or a percentage from 1% to 100%, not '\" + string(self) + \"'\"")
  private IntOrString maxUnavailable;

  @JsonPropertyDescription("How long one pod's reload may take, a duration such as 90s, 5m or 1m30s"
      + " (units h, m, s, ms; at least 1ms); default 5m.")
  @ValidationRule(value = DURATION_RULE,
      message = "spec.podTimeout must be a positive duration such as 90s or 5m",
      messageExpression = "\"spec.podTimeout must be a positive duration such as 90s or 5m, not '\" + self + \"'\"")
  @Size(max = 64)
  private String podTimeout;

  @JsonPropertyDescription("Stop (default) ends the Reload at the first failed pod; Continue goes on with the rest.")
  @Default(STOP)
  @ValidationRule(value = "self in ['Stop', 'Continue']",
      message = "spec.failurePolicy must be Stop or Continue",
      messageExpression = "\"spec.failurePolicy must be Stop or Continue, not '\" + self + \"'\"")
  @Size(max = 32)
  private String failurePolicy;

  @JsonPropertyDescription("Retries of a pod whose reload failed (baton reported failure, timed out or did not"
      + " answer); default none.")
  private ReloadRetry retry;

  /**
   * A duration as {@code Durations} reads it (units h, m, s, ms, no sign), from 1ms to Go's longest (an int64 of
   * nanoseconds). {@code duration()} parses it the Go way and is reached only for text of that shape. Past Go's
   * range, Kubernetes' {@code duration()} itself fails (refused, with CEL's error); the upper bound says it in
   * the operator's words where {@code duration()} reads further (cel-java: protobuf's 10000 years).
   */
  static final String DURATION_RULE = "self.trim().matches('^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$')"
      + " && duration(self.trim()) >= duration('1ms') && duration(self.trim()) <= duration('2562047h47m16.854775807s')";

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
