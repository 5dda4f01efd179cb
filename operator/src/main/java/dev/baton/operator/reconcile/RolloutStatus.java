package dev.baton.operator.reconcile;

import dev.baton.operator.api.PodResult;
import dev.baton.operator.api.Reload;
import dev.baton.operator.api.ReloadStatus;
import dev.baton.operator.events.EventRecorder;
import dev.baton.operator.events.EventRecorder.Reason;
import dev.baton.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Reload's status as its rollout advances, and the only writer of it: every change is patched at once
 * (the status is the operator's only memory, so a restarted operator resumes from it), with the events and
 * metrics that go with it. The pods of a batch record their steps concurrently: the status object is the
 * lock.
 */
final class RolloutStatus {
  private static final Logger LOG = LoggerFactory.getLogger(RolloutStatus.class);

  private final KubernetesClient client;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  /** The Reload as read for this reconcile: its generation is the observedGeneration written. */
  private final Reload reload;
  private final ReloadStatus status;

  RolloutStatus(KubernetesClient client, EventRecorder events, OperatorMetrics metrics, Reload reload) {
    this.client = client;
    this.events = events;
    this.metrics = metrics;
    this.reload = reload;
    this.status = reload.getStatus() == null ? new ReloadStatus() : reload.getStatus();
  }

  Reload reload() {
    return reload;
  }

  boolean isDone() {
    return status.isDone();
  }

  boolean hasStarted() {
    return status.getStartTime() != null;
  }

  /** The pods with a step in the status: done, or in flight from an earlier batch or operator. */
  List<PodResult> pods() {
    synchronized (status) {
      return List.copyOf(status.getPods());
    }
  }

  long podsDone() {
    return pods().stream().filter(PodResult::isDone).count();
  }

  /** Waiting for another Reload of the same pods; patched only when the message changes. */
  void pending(String message) {
    if (!ReloadStatus.PENDING.equals(status.getPhase()) || status.getConditions().isEmpty()
        || !message.equals(status.getConditions().get(0).getMessage())) {
      patch(aggregator().pending("Waiting", message));
    }
  }

  /** The rollout begins with {@code total} pods. */
  void start(int total) {
    status.setStartTime(Instant.now().toString());
    status.setTotal(total);
    patch(aggregator().running("Reloading", progress()));
  }

  /** Pods done, in flight and still to do: the total may grow (or a spec change may add pods). */
  void setTotal(int total) {
    synchronized (status) {
      status.setTotal(total);
    }
  }

  /** Puts a pod's step into the status and patches it; a finished pod is counted and gets its event. */
  PodResult record(PodResult result) {
    synchronized (status) {
      List<PodResult> list = new ArrayList<>(status.getPods());
      list.removeIf(r -> r.getPod().equals(result.getPod()));
      list.add(result);
      status.setPods(list);
      status.setSucceeded((int) list.stream().filter(r -> PodResult.SUCCEEDED.equals(r.getResult())).count());
      status.setFailed((int) list.stream().filter(r -> PodResult.FAILED.equals(r.getResult())).count());
      patch(aggregator().running("Reloading", progress()));
    }
    if (result.isDone()) {
      metrics.podFinished(result.getResult());
      if (PodResult.SUCCEEDED.equals(result.getResult())) {
        events.normal(reload, Reason.PodReloaded, "Pod " + result.getPod() + " serves generation " + result.getGeneration());
      } else {
        events.warning(reload, Reason.PodReloadFailed, "Pod " + result.getPod() + ": " + result.getMessage());
      }
      LOG.info("{}/{}: pod {} {}: {}", reload.getMetadata().getNamespace(), reload.getMetadata().getName(),
          result.getPod(), result.getResult(), result.getMessage());
    }
    return result;
  }

  /** Every pod done: Succeeded, or Failed naming the pods that failed (failurePolicy Continue). */
  void conclude() {
    if (status.getFailed() != null && status.getFailed() > 0) {
      String which = status.getPods().stream().filter(r -> PodResult.FAILED.equals(r.getResult()))
          .map(r -> r.getPod() + ": " + r.getMessage()).collect(Collectors.joining("; "));
      fail("PodsFailed", status.getFailed() + " of " + status.getTotal() + " pods failed (failurePolicy Continue): "
          + which, Reason.Failed);
    } else {
      finish(aggregator().succeeded("Succeeded", "all " + status.getTotal() + " pods reloaded"), Reason.Succeeded);
    }
  }

  /** Ends the Reload Failed: {@code why} is the Ready condition's reason (InvalidSpec, TargetNotFound, …). */
  void fail(String why, String message, Reason event) {
    finish(aggregator().failed(why, message), event);
  }

  private void finish(ReloadStatus done, Reason reason) {
    String message = done.getConditions().get(0).getMessage();
    patch(done);
    if (ReloadStatus.SUCCEEDED.equals(done.getPhase())) {
      events.normal(reload, reason, message);
    } else {
      events.warning(reload, reason, message);
    }
    Instant start = status.getStartTime() == null ? Instant.now() : Instant.parse(status.getStartTime());
    metrics.reloadFinished(done.getPhase(), Duration.between(start, Instant.now()));
    LOG.info("{}/{}: {}: {}", reload.getMetadata().getNamespace(), reload.getMetadata().getName(), done.getPhase(), message);
  }

  /**
   * Replaces the whole status through the status subresource with a JSON Patch ({@code add /status}).
   * Not server-side apply (the CRUD mock lacks it), and not a JSON merge patch: RFC 7386 replaces lists,
   * but fabric8's mock server appends them (7.9.0), which would duplicate {@code pods} and {@code conditions}.
   */
  private void patch(ReloadStatus s) {
    String body;
    synchronized (status) {
      body = Serialization.asJson(List.of(Map.of("op", "add", "path", "/status", "value", s)));
    }
    client.resources(Reload.class).inNamespace(reload.getMetadata().getNamespace())
        .withName(reload.getMetadata().getName()).subresource("status")
        .patch(PatchContext.of(PatchType.JSON), body);
  }

  private ReloadStatusAggregator aggregator() {
    return new ReloadStatusAggregator(status, reload.getMetadata().getGeneration());
  }

  private String progress() {
    return (status.getSucceeded() == null ? 0 : status.getSucceeded()) + " of " + status.getTotal() + " pods reloaded"
        + (status.getFailed() != null && status.getFailed() > 0 ? ", " + status.getFailed() + " failed" : "");
  }
}
