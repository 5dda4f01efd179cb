package dev.baton.operator.reconcile;

import dev.baton.operator.api.ReloadStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a Reload's {@code Ready} and {@code Progressing} conditions from its phase. {@link #build} sets
 * observedGeneration and keeps a condition's lastTransitionTime unless its status changed.
 */
final class ReloadStatusAggregator {
  static final String READY = "Ready";
  static final String PROGRESSING = "Progressing";

  private final ReloadStatus status;
  private final Long generation;
  private final List<Condition> previous;

  ReloadStatusAggregator(ReloadStatus status, Long generation) {
    this.status = status;
    this.generation = generation;
    this.previous = new ArrayList<>(status.getConditions());
  }

  /** Not started yet: waiting for another Reload of the same pods. */
  ReloadStatus pending(String reason, String message) {
    status.setPhase(ReloadStatus.PENDING);
    return build(cond(READY, "False", reason, message), cond(PROGRESSING, "False", reason, message));
  }

  /** Still going: Ready=False, Progressing=True. */
  ReloadStatus running(String reason, String message) {
    status.setPhase(ReloadStatus.RUNNING);
    return build(cond(READY, "False", reason, message), cond(PROGRESSING, "True", reason, message));
  }

  ReloadStatus succeeded(String reason, String message) {
    status.setPhase(ReloadStatus.SUCCEEDED);
    status.setCompletionTime(Instant.now().toString());
    return build(cond(READY, "True", reason, message), cond(PROGRESSING, "False", reason, message));
  }

  /** Over, not (fully) done: the reason says why (InvalidSpec, TargetNotFound, PodFailed, …). */
  ReloadStatus failed(String reason, String message) {
    status.setPhase(ReloadStatus.FAILED);
    status.setCompletionTime(Instant.now().toString());
    return build(cond(READY, "False", reason, message), cond(PROGRESSING, "False", reason, message));
  }

  private ReloadStatus build(Condition... conditions) {
    status.setConditions(List.of(conditions));
    status.setObservedGeneration(generation);
    return status;
  }

  private Condition cond(String type, String value, String reason, String message) {
    String since = previous.stream()
        .filter(c -> type.equals(c.getType()) && value.equals(c.getStatus()) && c.getLastTransitionTime() != null)
        .map(Condition::getLastTransitionTime).findFirst().orElse(Instant.now().toString());
    return new ConditionBuilder().withType(type).withStatus(value).withReason(reason).withMessage(message)
        .withLastTransitionTime(since).withObservedGeneration(generation).build();
  }
}
