package dev.baton.operator.reconcile;

import dev.baton.operator.api.PodResult;
import dev.baton.operator.api.Reload;
import dev.baton.operator.events.EventRecorder;
import dev.baton.operator.events.EventRecorder.Reason;
import dev.baton.operator.metrics.OperatorMetrics;
import dev.baton.operator.sidecar.ControlAddressResolver;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a Reload one batch per reconcile: validate → resolve the pods → begin (or wait for another
 * Reload of the same pods) → run one batch → requeue, so the next batch runs on a fresh read of the
 * Reload (a changed spec applies from there, a deleted Reload stops) → conclude when no pod is left.
 * Each pod's reload is a {@link PodReload}; the status, patched after every pod step by
 * {@link RolloutStatus}, is all the progress there is, so a reconcile that starts over (another operator,
 * a restart) goes on where the last one stopped.
 */
public class ReloadReconciler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadReconciler.class);
  private static final Duration WAIT_FOR_OTHER = Duration.ofSeconds(1);
  /** Requeued at once: the next batch starts from the Reload read again. */
  private static final Duration NEXT_BATCH = Duration.ZERO;

  private final KubernetesClient client;
  private final PodResolver pods;
  private final OverlappingReloads overlapping;
  private final PodReloads podReloads;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  /** "ns/name" to the spec the Reload's last batch ran with, kept from that batch to the next reconcile. */
  private final Map<String, String> lastBatchSpec = new ConcurrentHashMap<>();

  public ReloadReconciler(KubernetesClient client, ControlAddressResolver addresses, TokenSource tokens,
      EventRecorder events, OperatorMetrics metrics) {
    this.client = client;
    this.pods = new PodResolver(client);
    this.overlapping = new OverlappingReloads(client, pods);
    this.podReloads = new PodReloads(client, addresses, tokens, events);
    this.events = events;
    this.metrics = metrics;
  }

  /**
   * Runs the Reload's next batch, or ends it. Returns when to reconcile it again (at once for the next
   * batch, or after a while when it waits for another Reload); null when there is nothing more to do.
   */
  public Duration reconcile(Reload reload) throws InterruptedException {
    RolloutStatus rollout = new RolloutStatus(client, events, metrics, reload);
    if (rollout.isDone()) {
      return null;
    }
    String previousSpec = lastBatchSpec.remove(key(reload));
    ValidSpec.Result valid = ValidSpec.validate(reload.getSpec());
    if (!valid.isValid()) {
      rollout.fail("InvalidSpec", (previousSpec != null ? "spec changed mid-rollout: " : "")
          + String.join("; ", valid.errors()), Reason.InvalidSpec);
      return null;
    }
    ValidSpec spec = valid.spec();
    List<Pod> current;
    try {
      current = pods.pods(reload.getMetadata().getNamespace(), spec);
    } catch (PodResolver.TargetNotFoundException e) {
      rollout.fail("TargetNotFound", e.getMessage(), Reason.Failed);
      return null;
    }

    if (!rollout.hasStarted()) {
      List<ConfigUses.Use> fixed = configsNeverUpdated(reload, current);
      if (!fixed.isEmpty()) {
        rollout.fail("RolloutNeeded", ConfigUses.describe(fixed) + ", which a running pod never updates: the new"
            + " data needs a rollout" + (reload.getSpec().getTarget() == null ? "" : " (" + ConfigTrigger.rolloutCommand(
            reload.getSpec().getTarget().getKind(), reload.getSpec().getTarget().getName()) + ")")
            + ", not an in-place reload", Reason.RolloutNeeded);
        return null;
      }
      Optional<Reload> before = overlapping.runningBefore(reload, current);
      if (before.isPresent()) {
        rollout.pending("waiting for Reload " + before.get().getMetadata().getName() + " of the same pods to finish");
        return WAIT_FOR_OTHER;
      }
      if (current.isEmpty()) {
        rollout.fail("NoPods", "no pods match " + describe(reload), Reason.Failed);
        return null;
      }
      begin(rollout, spec, current);
    } else if (previousSpec == null) {
      events.normal(reload, Reason.Resumed, "Resuming after " + rollout.podsDone() + " pods");
    } else if (!previousSpec.equals(Serialization.asJson(reload.getSpec()))) {
      events.normal(reload, Reason.SpecChanged, "Spec changed (generation " + reload.getMetadata().getGeneration()
          + "): it applies from the next batch; the " + rollout.podsDone() + " pods done are not reloaded again");
    }

    Batch batch = nextBatch(rollout, spec, current);
    if (batch.isEmpty()) {
      rollout.conclude();
      return null;
    }
    List<PodResult> results = podReloads.run(rollout, spec, batch.todo(), batch.inFlight());
    Optional<PodResult> failed = results.stream().filter(r -> PodResult.FAILED.equals(r.getResult())).findFirst();
    if (failed.isPresent() && spec.stopOnFailure()) {
      PodResult f = failed.get();
      long left = batch.total() - rollout.pods().size();
      rollout.fail("PodFailed", "pod " + f.getPod() + " failed: " + f.getMessage() + "; stopped with " + left
          + " pods not reloaded (failurePolicy Stop)", Reason.Failed);
      return null;
    }
    lastBatchSpec.put(key(reload), Serialization.asJson(reload.getSpec()));
    return NEXT_BATCH;
  }

  /** The Reload is gone (deleted): a rollout it had stops after the batch that was in flight. */
  public void deleted(String namespace, String name) {
    if (lastBatchSpec.remove(namespace + "/" + name) != null) {
      LOG.info("{}/{} was deleted mid-rollout: stopping", namespace, name);
    }
  }

  /**
   * A Reload made for new config data ({@link Utils#CONFIGS_ANNOTATION}) cannot deliver it where the pods read
   * that config from their environment or a subPath mount: those uses, in any of the pods.
   */
  private static List<ConfigUses.Use> configsNeverUpdated(Reload reload, List<Pod> current) {
    Map<String, String> annotations = reload.getMetadata().getAnnotations();
    String configs = annotations == null ? null : annotations.get(Utils.CONFIGS_ANNOTATION);
    if (configs == null || configs.isBlank()) {
      return List.of();
    }
    List<String> refs = java.util.Arrays.stream(configs.split(",")).map(String::strip).toList();
    return current.stream().flatMap(p -> ConfigUses.neverUpdated(p.getSpec(), refs).stream()).distinct().toList();
  }

  private void begin(RolloutStatus rollout, ValidSpec spec, List<Pod> current) {
    rollout.start(current.size());
    events.normal(rollout.reload(), Reason.Started, "Reloading " + current.size() + " pods of "
        + describe(rollout.reload()) + ", " + spec.batchSize(current.size()) + " at a time");
  }

  /**
   * The pods of the next batch: first those whose step an earlier reconcile left unfinished, then new ones
   * in name order, up to the batch size. Pods done stay done, whatever the spec says now.
   */
  private static Batch nextBatch(RolloutStatus rollout, ValidSpec spec, List<Pod> current) {
    Map<String, Pod> byName = current.stream().collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p));
    List<PodResult> recorded = rollout.pods();
    Set<String> names = new LinkedHashSet<>();
    recorded.forEach(r -> names.add(r.getPod()));
    names.addAll(byName.keySet());
    rollout.setTotal(names.size());

    List<PodReloads.InFlight> inFlight = recorded.stream().filter(r -> !r.isDone())
        .map(r -> new PodReloads.InFlight(r, byName.get(r.getPod()))).toList();
    Set<String> seen = recorded.stream().map(PodResult::getPod).collect(Collectors.toSet());
    List<Pod> todo = current.stream().filter(p -> !seen.contains(p.getMetadata().getName())).toList();
    int room = Math.max(0, Math.min(todo.size(), spec.batchSize(names.size()) - inFlight.size()));
    return new Batch(todo.subList(0, room), inFlight, names.size());
  }

  /** A batch's pods, and how many pods the Reload counts in all. */
  private record Batch(List<Pod> todo, List<PodReloads.InFlight> inFlight, int total) {
    boolean isEmpty() {
      return todo.isEmpty() && inFlight.isEmpty();
    }
  }

  static String describe(Reload reload) {
    var spec = reload.getSpec();
    if (spec.getTarget() != null) {
      return spec.getTarget().getKind() + " " + spec.getTarget().getName();
    }
    Function<Map<String, String>, String> labels = m -> m == null ? "" : m.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    return "selector " + labels.apply(spec.getSelector().getMatchLabels());
  }

  private static String key(Reload reload) {
    return reload.getMetadata().getNamespace() + "/" + reload.getMetadata().getName();
  }

  @Override
  public void close() {
    podReloads.close();
  }
}
