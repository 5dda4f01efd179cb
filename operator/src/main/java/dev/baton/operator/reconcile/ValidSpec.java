package dev.baton.operator.reconcile;

import dev.baton.operator.api.ReloadSpec;
import dev.baton.operator.api.ReloadTarget;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@link ReloadSpec} checked and with its defaults applied; {@link #validate} never throws. */
public record ValidSpec(ReloadTarget target, LabelSelector selector, int maxUnavailable, int maxUnavailablePercent,
    Duration podTimeout, boolean stopOnFailure, int retryLimit, Duration retryBackoff) {
  public static final Duration DEFAULT_POD_TIMEOUT = Duration.ofMinutes(5);
  public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofSeconds(10);
  static final Duration MAX_RETRY_BACKOFF = Duration.ofMinutes(5);
  /** The operator counts in milliseconds: a timeout or backoff is at least one. */
  static final Duration MIN_DURATION = Duration.ofMillis(1);
  static final Set<String> KINDS = Set.of("Deployment", "StatefulSet", "DaemonSet");
  static final Set<String> OPERATORS = Set.of("In", "NotIn", "Exists", "DoesNotExist");
  private static final Pattern PERCENT = Pattern.compile("(\\d{1,3})%");

  /** The result: a valid spec, or the reasons it is not (one sentence each). */
  public record Result(ValidSpec spec, List<String> errors) {
    public boolean isValid() {
      return errors.isEmpty();
    }
  }

  public static Result validate(ReloadSpec spec) {
    List<String> errors = new ArrayList<>();
    if (spec == null) {
      return new Result(null, List.of("spec is missing: set spec.target or spec.selector"));
    }
    ReloadTarget target = spec.getTarget();
    LabelSelector selector = spec.getSelector();
    if (target == null && selector == null) {
      errors.add("set spec.target (kind and name of a workload) or spec.selector");
    } else if (target != null && selector != null) {
      errors.add("set spec.target or spec.selector, not both");
    }
    if (target != null) {
      if (target.getKind() == null || !KINDS.contains(target.getKind())) {
        errors.add("spec.target.kind must be Deployment, StatefulSet or DaemonSet, not '" + target.getKind() + "'");
      }
      if (target.getName() == null || target.getName().isBlank()) {
        errors.add("spec.target.name is missing");
      }
    }
    if (selector != null && isEmpty(selector)) {
      errors.add("spec.selector is empty: it would select every pod of the namespace");
    }
    if (selector != null && selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (r.getKey() == null || r.getKey().isBlank()) {
          errors.add("spec.selector.matchExpressions: a key is missing");
        }
        if (r.getOperator() == null || !OPERATORS.contains(r.getOperator())) {
          errors.add("spec.selector.matchExpressions: operator must be In, NotIn, Exists or DoesNotExist, not '"
              + r.getOperator() + "'");
        }
      }
    }
    int max = 1;
    int percent = 0;
    IntOrString mu = spec.getMaxUnavailable();
    if (mu != null && mu.getIntVal() != null) {
      max = mu.getIntVal();
      if (max < 1) {
        errors.add("spec.maxUnavailable must be at least 1, not " + max);
      }
    } else if (mu != null && mu.getStrVal() != null) {
      Matcher m = PERCENT.matcher(mu.getStrVal().strip());
      if (!m.matches() || Integer.parseInt(m.group(1)) < 1 || Integer.parseInt(m.group(1)) > 100) {
        errors.add("spec.maxUnavailable must be a number or a percentage from 1% to 100%, not '" + mu.getStrVal() + "'");
      } else {
        percent = Integer.parseInt(m.group(1));
      }
    }
    Duration timeout = DEFAULT_POD_TIMEOUT;
    if (spec.getPodTimeout() != null) {
      timeout = Durations.parse(spec.getPodTimeout());
      if (timeout == null || timeout.compareTo(MIN_DURATION) < 0) {
        errors.add("spec.podTimeout must be a positive duration such as 90s or 5m, not '" + spec.getPodTimeout() + "'");
      }
    }
    String policy = spec.getFailurePolicy() == null ? ReloadSpec.STOP : spec.getFailurePolicy();
    if (!ReloadSpec.STOP.equals(policy) && !ReloadSpec.CONTINUE.equals(policy)) {
      errors.add("spec.failurePolicy must be Stop or Continue, not '" + policy + "'");
    }
    int retryLimit = 0;
    Duration backoff = DEFAULT_RETRY_BACKOFF;
    if (spec.getRetry() != null) {
      if (spec.getRetry().getLimit() != null) {
        retryLimit = spec.getRetry().getLimit();
        if (retryLimit < 0 || retryLimit > 10) {
          errors.add("spec.retry.limit must be from 0 to 10, not " + retryLimit);
        }
      }
      if (spec.getRetry().getBackoff() != null) {
        backoff = Durations.parse(spec.getRetry().getBackoff());
        if (backoff == null || backoff.compareTo(MIN_DURATION) < 0) {
          errors.add("spec.retry.backoff must be a positive duration such as 10s or 1m, not '" + spec.getRetry().getBackoff() + "'");
        }
      }
    }
    if (!errors.isEmpty()) {
      return new Result(null, List.copyOf(errors));
    }
    return new Result(new ValidSpec(target, selector, max, percent, timeout, ReloadSpec.STOP.equals(policy),
        retryLimit, backoff), List.of());
  }

  /** How many pods reload at once out of {@code total}: a percentage rounds down, but never below 1. */
  public int batchSize(int total) {
    if (maxUnavailablePercent > 0) {
      return Math.max(1, total * maxUnavailablePercent / 100);
    }
    return maxUnavailable;
  }

  /** The wait before retry number {@code retry} (1 = the first): backoff doubled each time, at most 5 minutes. */
  public Duration retryDelay(int retry) {
    Duration d = retryBackoff.multipliedBy(1L << Math.min(20, Math.max(0, retry - 1)));
    return d.compareTo(MAX_RETRY_BACKOFF) > 0 ? MAX_RETRY_BACKOFF : d;
  }

  private static boolean isEmpty(LabelSelector s) {
    return (s.getMatchLabels() == null || s.getMatchLabels().isEmpty())
        && (s.getMatchExpressions() == null || s.getMatchExpressions().isEmpty());
  }
}
