package dev.baton.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.operator.api.ReloadSpec;
import dev.baton.operator.api.ReloadTarget;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ValidSpecTest {
  @Test
  void defaults() {
    ReloadSpec spec = new ReloadSpec();
    spec.setTarget(new ReloadTarget("StatefulSet", "db"));
    ValidSpec v = ValidSpec.validate(spec).spec();
    assertThat(v.batchSize(10)).isEqualTo(1);
    assertThat(v.podTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(v.stopOnFailure()).isTrue();
  }

  @Test
  void percentagesRoundDownButNeverBelowOne() {
    ReloadSpec spec = new ReloadSpec();
    spec.setSelector(new LabelSelectorBuilder().addToMatchLabels("app", "web").build());
    spec.setMaxUnavailable(new IntOrString("25%"));
    spec.setPodTimeout("1m30s");
    spec.setFailurePolicy("Continue");
    ValidSpec v = ValidSpec.validate(spec).spec();
    assertThat(v.batchSize(10)).isEqualTo(2);
    assertThat(v.batchSize(3)).isEqualTo(1);
    assertThat(v.podTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(v.stopOnFailure()).isFalse();
  }

  @Test
  void everyProblemIsReported() {
    ReloadSpec spec = new ReloadSpec();
    spec.setTarget(new ReloadTarget("Job", ""));
    spec.setMaxUnavailable(new IntOrString("lots"));
    spec.setPodTimeout("soon");
    assertThat(ValidSpec.validate(spec).errors()).containsExactly(
        "spec.target.kind must be Deployment, StatefulSet or DaemonSet, not 'Job'",
        "spec.target.name is missing",
        "spec.maxUnavailable must be a number or a percentage from 1% to 100%, not 'lots'",
        "spec.podTimeout must be a positive duration such as 90s or 5m, not 'soon'");
    assertThat(ValidSpec.validate(null).errors()).isNotEmpty();
    ReloadSpec empty = new ReloadSpec();
    empty.setSelector(new LabelSelectorBuilder().build());
    assertThat(ValidSpec.validate(empty).errors()).containsExactly(
        "spec.selector is empty: it would select every pod of the namespace");
  }

  @Test
  void retriesBackOffExponentiallyUpToFiveMinutes() {
    ReloadSpec spec = new ReloadSpec();
    spec.setTarget(new dev.baton.operator.api.ReloadTarget("Deployment", "web"));
    ValidSpec none = ValidSpec.validate(spec).spec();
    assertThat(none.retryLimit()).isZero();
    spec.setRetry(new dev.baton.operator.api.ReloadRetry(3, "20s"));
    ValidSpec v = ValidSpec.validate(spec).spec();
    assertThat(v.retryLimit()).isEqualTo(3);
    assertThat(v.retryDelay(1)).isEqualTo(Duration.ofSeconds(20));
    assertThat(v.retryDelay(2)).isEqualTo(Duration.ofSeconds(40));
    assertThat(v.retryDelay(5)).isEqualTo(Duration.ofSeconds(300));
    assertThat(v.retryDelay(60)).isEqualTo(Duration.ofMinutes(5));
    spec.setRetry(new dev.baton.operator.api.ReloadRetry(-1, "soon"));
    assertThat(ValidSpec.validate(spec).errors()).containsExactly("spec.retry.limit must be from 0 to 10, not -1",
        "spec.retry.backoff must be a positive duration such as 10s or 1m, not 'soon'");
  }

  @Test
  void durations() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("1h2m3s")).isEqualTo(Duration.ofSeconds(3723));
    assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("-1s")).isNull();
    assertThat(Durations.parse("10")).isNull();
  }

  @Test
  void setBasedExpressionsAreMatchedHere() {
    var pod = new PodBuilder().withNewMetadata().addToLabels("tier", "web").addToLabels("track", "canary").endMetadata().build();
    var in = new LabelSelectorBuilder().addNewMatchExpression().withKey("tier").withOperator("In").withValues("web", "api")
        .endMatchExpression().build();
    var notIn = new LabelSelectorBuilder().addNewMatchExpression().withKey("track").withOperator("NotIn").withValues("canary")
        .endMatchExpression().build();
    var missing = new LabelSelectorBuilder().addNewMatchExpression().withKey("zone").withOperator("DoesNotExist")
        .endMatchExpression().build();
    assertThat(PodResolver.matchesExpressions(pod, in.getMatchExpressions())).isTrue();
    assertThat(PodResolver.matchesExpressions(pod, notIn.getMatchExpressions())).isFalse();
    assertThat(PodResolver.matchesExpressions(pod, missing.getMatchExpressions())).isTrue();
  }
}
