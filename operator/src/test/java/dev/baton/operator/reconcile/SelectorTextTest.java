package dev.baton.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import org.junit.jupiter.api.Test;

/**
 * A selector in a Reload's messages reads as kubectl writes it. (On a real API server a Reload selecting by
 * matchExpressions only ended "no pods match selector " with nothing after it.)
 */
class SelectorTextTest {

  @Test
  void labelsAndEveryKindOfExpression() {
    assertThat(ReloadReconciler.selectorText(new LabelSelectorBuilder().addToMatchLabels("app", "web")
        .addNewMatchExpression().withKey("tier").withOperator("In").withValues("web", "api").endMatchExpression()
        .addNewMatchExpression().withKey("zone").withOperator("NotIn").withValues("b").endMatchExpression()
        .addNewMatchExpression().withKey("team").withOperator("Exists").endMatchExpression()
        .addNewMatchExpression().withKey("canary").withOperator("DoesNotExist").endMatchExpression().build()))
        .isEqualTo("app=web,tier in (web,api),zone notin (b),team,!canary");
    assertThat(ReloadReconciler.selectorText(new LabelSelectorBuilder().addNewMatchExpression().withKey("tier")
        .withOperator("In").withValues("web").endMatchExpression().build())).isEqualTo("tier in (web)");
  }
}
