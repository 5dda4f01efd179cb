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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a Reload one batch per reconcile: validate → resolve the pods → begin (or wait for another
 * Reload of the same pods, or refuse new config data the pods cannot see in place) → run one batch →
 * requeue, so the next batch runs on a fresh read of the Reload (a changed spec applies from there, a
 * deleted Reload stops) → conclude when no pod is left.
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

  /** {@code readSecrets}: whether the operator may read Secrets (--reload-on-secrets), for the hash of a mounted one. */
  public ReloadReconciler(KubernetesClient client, ControlAddressResolver addresses, TokenSource tokens,
      EventRecorder events, OperatorMetrics metrics, boolean readSecrets) {
    this.client = client;
    this.pods = new PodResolver(client);
    this.overlapping = new OverlappingReloads(client, pods);
    this.podReloads = new PodReloads(client, addresses, tokens, events, readSecrets);
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
    ValidSpec spec = validate(rollout, previousSpec);
    List<Pod> current = spec == null ? null : resolvePods(rollout, spec);
    if (current == null) {
      return null;  // ended: InvalidSpec or TargetNotFound
    }
    if (!rollout.hasStarted()) {
      Start start = begin(rollout, spec, current);
      if (start != Start.STARTED) {
        return start == Start.WAITING ? WAIT_FOR_OTHER : null;
      }
    } else {
      goOn(rollout, previousSpec);
    }
    Batch batch = nextBatch(rollout, spec, current);
    if (batch.isEmpty()) {
      rollout.conclude();
      return null;
    }
    if (!runBatch(rollout, spec, batch)) {
      return null;  // ended: a pod failed (failurePolicy Stop)
    }
    lastBatchSpec.put(key(reload), Serialization.asJson(reload.getSpec()));
    return NEXT_BATCH;
  }

  /** The spec checked, or null when it is not valid (the Reload ends InvalidSpec). */
  private static ValidSpec validate(RolloutStatus rollout, String previousSpec) {
    ValidSpec.Result valid = ValidSpec.validate(rollout.reload().getSpec());
    if (!valid.isValid()) {
      rollout.fail("InvalidSpec", (previousSpec != null ? "spec changed mid-rollout: " : "")
          + String.join("; ", valid.errors()), Reason.InvalidSpec);
      return null;
    }
    return valid.spec();
  }

  /** The Reload's pods now, or null when its workload is gone (the Reload ends TargetNotFound). */
  private List<Pod> resolvePods(RolloutStatus rollout, ValidSpec spec) {
    try {
      return pods.pods(rollout.reload().getMetadata().getNamespace(), spec);
    } catch (PodResolver.TargetNotFoundException e) {
      rollout.fail("TargetNotFound", e.getMessage(), Reason.Failed);
      return null;
    }
  }

  private enum Start { STARTED, WAITING, REFUSED }

  /**
   * Starts the rollout, or waits for an earlier Reload of the same pods, or refuses it: new config data the
   * pods can never see in place (a rollout is needed), or no pods.
   */
  private Start begin(RolloutStatus rollout, ValidSpec spec, List<Pod> current) {
    Reload reload = rollout.reload();
    List<ConfigUses.Use> fixed = configsNeverUpdated(reload, current);
    if (!fixed.isEmpty()) {
      rollout.fail("RolloutNeeded", ConfigUses.describe(fixed) + ", which a running pod never updates: the new"
          + " data needs a rollout" + (reload.getSpec().getTarget() == null ? "" : " (" + ConfigTrigger.rolloutCommand(
          reload.getSpec().getTarget().getKind(), reload.getSpec().getTarget().getName()) + ")")
          + ", not an in-place reload", Reason.RolloutNeeded);
      return Start.REFUSED;
    }
    Optional<Reload> before = overlapping.runningBefore(reload, current);
    if (before.isPresent()) {
      rollout.pending("waiting for Reload " + before.get().getMetadata().getName() + " of the same pods to finish");
      return Start.WAITING;
    }
    if (current.isEmpty()) {
      rollout.fail("NoPods", "no pods match " + describe(reload), Reason.Failed);
      return Start.REFUSED;
    }
    rollout.start(current.size());
    events.normal(reload, Reason.Started, "Reloading " + current.size() + " pods of " + describe(reload) + ", "
        + spec.batchSize(current.size()) + " at a time");
    return Start.STARTED;
  }

  /**
   * A rollout under way: resumed (after a restart, another operator, or a failed reconcile), or going on after
   * this process's last batch, with the spec that batch ran with or a changed one (it applies from now on).
   */
  private void goOn(RolloutStatus rollout, String previousSpec) {
    Reload reload = rollout.reload();
    if (previousSpec == null) {
      events.normal(reload, Reason.Resumed, "Resuming after " + rollout.podsDone() + " pods");
    } else if (!previousSpec.equals(Serialization.asJson(reload.getSpec()))) {
      events.normal(reload, Reason.SpecChanged, "Spec changed (generation " + reload.getMetadata().getGeneration()
          + "): it applies from the next batch; the " + rollout.podsDone() + " pods done are not reloaded again");
    }
  }

  /** Reloads the batch's pods and waits for them; false when one failed and failurePolicy Stop ended the Reload. */
  private boolean runBatch(RolloutStatus rollout, ValidSpec spec, Batch batch) throws InterruptedException {
    List<PodResult> results = podReloads.run(rollout, spec, batch.todo(), batch.inFlight());
    Optional<PodResult> failed = results.stream().filter(r -> PodResult.FAILED.equals(r.getResult())).findFirst();
    if (failed.isPresent() && spec.stopOnFailure()) {
      PodResult f = failed.get();
      long left = batch.total() - rollout.pods().size();
      rollout.fail("PodFailed", "pod " + f.getPod() + " failed: " + f.getMessage() + "; stopped with " + left
          + " pods not reloaded (failurePolicy Stop)", Reason.Failed);
      return false;
    }
    return true;
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
    List<String> refs = ExpectedConfigs.configs(reload);
    if (refs.isEmpty()) {
      return List.of();
    }
    return current.stream().flatMap(p -> ConfigUses.neverUpdated(p.getSpec(), refs).stream()).distinct().toList();
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
    return "selector " + selectorText(spec.getSelector());
  }

  /** A label selector as kubectl writes it: {@code app=web,tier in (web,api),!canary}. */
  static String selectorText(io.fabric8.kubernetes.api.model.LabelSelector selector) {
    List<String> parts = new ArrayList<>();
    if (selector.getMatchLabels() != null) {
      selector.getMatchLabels().forEach((k, v) -> parts.add(k + "=" + v));
    }
    if (selector.getMatchExpressions() != null) {
      for (var e : selector.getMatchExpressions()) {
        String values = e.getValues() == null ? "" : String.join(",", e.getValues());
        parts.add(switch (String.valueOf(e.getOperator())) {
          case "In" -> e.getKey() + " in (" + values + ")";
          case "NotIn" -> e.getKey() + " notin (" + values + ")";
          case "Exists" -> e.getKey();
          case "DoesNotExist" -> "!" + e.getKey();
          default -> e.getKey() + " " + e.getOperator() + " (" + values + ")";
        });
      }
    }
    return String.join(",", parts);
  }

  private static String key(Reload reload) {
    return reload.getMetadata().getNamespace() + "/" + reload.getMetadata().getName();
  }

  @Override
  public void close() {
    podReloads.close();
  }
}
