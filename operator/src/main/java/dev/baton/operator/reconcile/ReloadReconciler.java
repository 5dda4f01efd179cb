package dev.baton.operator.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.operator.api.PodResult;
import dev.baton.operator.api.Reload;
import dev.baton.operator.api.ReloadStatus;
import dev.baton.operator.events.EventRecorder;
import dev.baton.operator.events.EventRecorder.Reason;
import dev.baton.operator.metrics.OperatorMetrics;
import dev.baton.operator.sidecar.BatonClient;
import dev.baton.operator.sidecar.BatonClient.ReloadState;
import dev.baton.operator.sidecar.BatonException;
import dev.baton.operator.sidecar.ControlAddressResolver;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one Reload to its end: validate, resolve the pods, reload them a batch at a time through their
 * batons, and patch the status (a JSON Patch on {@code /status}) after every pod step. All progress
 * lives in the status, so a reconcile that starts over (another operator, a restart) goes on where the
 * last one stopped.
 */
public class ReloadReconciler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadReconciler.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration WAIT_FOR_OTHER = Duration.ofSeconds(1);

  private final KubernetesClient client;
  private final PodResolver pods;
  private final ControlAddressResolver addresses;
  private final TokenSource tokens;
  private final BatonClient batons;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final ExecutorService podWorkers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "baton-operator-pod");
    t.setDaemon(true);
    return t;
  });

  public ReloadReconciler(KubernetesClient client, ControlAddressResolver addresses, TokenSource tokens,
      EventRecorder events, OperatorMetrics metrics) {
    this.client = client;
    this.pods = new PodResolver(client);
    this.addresses = addresses;
    this.tokens = tokens;
    this.batons = new BatonClient(Duration.ofSeconds(10));
    this.events = events;
    this.metrics = metrics;
  }

  /**
   * Runs the Reload until it ends, or returns how long to wait before trying again (it waits for another
   * Reload sharing pods with this one); null when there is nothing more to do.
   */
  public Duration reconcile(Reload reload) throws InterruptedException {
    ReloadStatus status = reload.getStatus() == null ? new ReloadStatus() : reload.getStatus();
    if (status.isDone()) {
      return null;
    }
    ValidSpec.Result valid = ValidSpec.validate(reload.getSpec());
    if (!valid.isValid()) {
      finish(reload, status, aggregator(reload, status).failed("InvalidSpec", String.join("; ", valid.errors())),
          Reason.InvalidSpec);
      return null;
    }
    ValidSpec spec = valid.spec();
    String ns = reload.getMetadata().getNamespace();
    List<Pod> current;
    try {
      current = pods.pods(ns, spec);
    } catch (PodResolver.TargetNotFoundException e) {
      finish(reload, status, aggregator(reload, status).failed("TargetNotFound", e.getMessage()), Reason.Failed);
      return null;
    }
    if (status.getStartTime() == null) {
      Optional<Reload> before = runningBefore(reload, current);
      if (before.isPresent()) {
        String message = "waiting for Reload " + before.get().getMetadata().getName() + " of the same pods to finish";
        if (!ReloadStatus.PENDING.equals(status.getPhase()) || status.getConditions().isEmpty()
            || !message.equals(status.getConditions().get(0).getMessage())) {
          patchStatus(reload, aggregator(reload, status).pending("Waiting", message));
        }
        return WAIT_FOR_OTHER;
      }
      if (current.isEmpty()) {
        finish(reload, status, aggregator(reload, status).failed("NoPods", "no pods match " + describe(reload)), Reason.Failed);
        return null;
      }
      status.setStartTime(Instant.now().toString());
      status.setTotal(current.size());
      patchStatus(reload, aggregator(reload, status).running("Reloading", progress(status)));
      events.normal(reload, Reason.Started, "Reloading " + current.size() + " pods of " + describe(reload)
          + ", " + spec.batchSize(current.size()) + " at a time");
    } else {
      events.normal(reload, Reason.Resumed, "Resuming after " + status.getPods().stream().filter(PodResult::isDone).count()
          + " pods");
    }

    // The spec is read again after every batch: a change applies from the next batch (pods done stay done).
    Reload latest = reload;
    while (true) {
      final Reload r0 = latest;
      final ValidSpec s0 = spec;
      Map<String, Pod> byName = current.stream().collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p));
      Set<String> names = new LinkedHashSet<>();
      status.getPods().forEach(r -> names.add(r.getPod()));
      names.addAll(byName.keySet());
      status.setTotal(names.size());

      List<PodResult> inFlight = status.getPods().stream().filter(r -> !r.isDone()).toList();
      List<Pod> todo = current.stream().filter(p -> status.pod(p.getMetadata().getName()) == null).toList();
      if (inFlight.isEmpty() && todo.isEmpty()) {
        break;
      }
      int batch = s0.batchSize(names.size());
      List<Callable<PodResult>> steps = new ArrayList<>();
      for (PodResult r : inFlight) {
        steps.add(() -> reloadPod(r0, status, byName.get(r.getPod()), r.getPod(), r, s0));
      }
      for (Pod p : todo.subList(0, Math.max(0, Math.min(todo.size(), batch - inFlight.size())))) {
        steps.add(() -> reloadPod(r0, status, p, p.getMetadata().getName(), null, s0));
      }
      List<PodResult> results = run(steps);
      Optional<PodResult> failed = results.stream().filter(r -> PodResult.FAILED.equals(r.getResult())).findFirst();
      if (failed.isPresent() && s0.stopOnFailure()) {
        PodResult f = failed.get();
        long left = names.size() - status.getPods().size();
        finish(r0, status, aggregator(r0, status).failed("PodFailed", "pod " + f.getPod() + " failed: "
            + f.getMessage() + "; stopped with " + left + " pods not reloaded (failurePolicy Stop)"), Reason.Failed);
        return null;
      }
      Reload fresh = client.resources(Reload.class).inNamespace(ns).withName(r0.getMetadata().getName()).get();
      if (fresh == null) {
        LOG.info("{}/{} was deleted mid-rollout: stopping after {} pods", ns, r0.getMetadata().getName(),
            status.getPods().stream().filter(PodResult::isDone).count());
        return null;
      }
      if (!Objects.equals(Serialization.asJson(fresh.getSpec()), Serialization.asJson(r0.getSpec()))) {
        ValidSpec.Result changed = ValidSpec.validate(fresh.getSpec());
        if (!changed.isValid()) {
          finish(fresh, status, aggregator(fresh, status).failed("InvalidSpec", "spec changed mid-rollout: "
              + String.join("; ", changed.errors())), Reason.InvalidSpec);
          return null;
        }
        spec = changed.spec();
        events.normal(fresh, Reason.SpecChanged, "Spec changed (generation " + fresh.getMetadata().getGeneration()
            + "): it applies from the next batch; the " + status.getPods().stream().filter(PodResult::isDone).count()
            + " pods done are not reloaded again");
      }
      latest = fresh;
      try {
        current = pods.pods(ns, spec);
      } catch (PodResolver.TargetNotFoundException e) {
        finish(latest, status, aggregator(latest, status).failed("TargetNotFound", e.getMessage()), Reason.Failed);
        return null;
      }
    }
    if (status.getFailed() != null && status.getFailed() > 0) {
      String which = status.getPods().stream().filter(r -> PodResult.FAILED.equals(r.getResult()))
          .map(r -> r.getPod() + ": " + r.getMessage()).collect(Collectors.joining("; "));
      finish(latest, status, aggregator(latest, status).failed("PodsFailed", status.getFailed() + " of "
          + status.getTotal() + " pods failed (failurePolicy Continue): " + which), Reason.Failed);
    } else {
      finish(latest, status, aggregator(latest, status).succeeded("Succeeded", "all " + status.getTotal()
          + " pods reloaded"), Reason.Succeeded);
    }
    return null;
  }

  /**
   * Another unfinished Reload that runs already or comes first (older, then by name) and targets the same
   * workload or selector, or any of the same pods (a selector overlapping a workload, two workloads whose
   * selectors overlap): this one waits for it, so two Reloads never reload the same pods at once.
   */
  private Optional<Reload> runningBefore(Reload reload, List<Pod> mine) {
    Set<String> myPods = mine.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    Comparator<Reload> order = Comparator
        .comparing((Reload r) -> Objects.requireNonNullElse(r.getMetadata().getCreationTimestamp(), ""))
        .thenComparing(r -> r.getMetadata().getName());
    return client.resources(Reload.class).inNamespace(reload.getMetadata().getNamespace()).list().getItems().stream()
        .filter(r -> !r.getMetadata().getName().equals(reload.getMetadata().getName()))
        .filter(r -> r.getStatus() == null || !r.getStatus().isDone())
        .filter(r -> (r.getStatus() != null && r.getStatus().getStartTime() != null) || order.compare(r, reload) < 0)
        .filter(r -> sameTarget(r, reload) || sharesPods(r, myPods))
        .findFirst();
  }

  /** Whether another Reload (a different workload or selector) would reload any of these pods. */
  private boolean sharesPods(Reload other, Set<String> myPods) {
    ValidSpec.Result valid = ValidSpec.validate(other.getSpec());
    if (!valid.isValid() || myPods.isEmpty()) {
      return false;
    }
    try {
      return pods.pods(other.getMetadata().getNamespace(), valid.spec()).stream()
          .anyMatch(p -> myPods.contains(p.getMetadata().getName()));
    } catch (PodResolver.TargetNotFoundException e) {
      return false;
    }
  }

  private static boolean sameTarget(Reload a, Reload b) {
    var x = a.getSpec();
    var y = b.getSpec();
    if (x == null || y == null) {
      return false;
    }
    if (x.getTarget() != null && y.getTarget() != null) {
      return Objects.equals(x.getTarget().getKind(), y.getTarget().getKind())
          && Objects.equals(x.getTarget().getName(), y.getTarget().getName());
    }
    return x.getSelector() != null && x.getSelector().equals(y.getSelector());
  }

  /** A pod's attempt ended: its result, and whether another attempt could mend a failure. */
  private record Outcome(PodResult result, boolean retryable) {}

  /**
   * One pod's reload, retried as {@code spec.retry} allows; {@code prior} is its in-flight step from an
   * earlier reconcile, or null. Each attempt's number is in the status before it is asked of baton, so a
   * resumed rollout neither repeats an attempt nor makes more than the limit.
   */
  private PodResult reloadPod(Reload reload, ReloadStatus status, Pod pod, String name, PodResult prior,
      ValidSpec spec) throws InterruptedException {
    if (pod == null) {
      return record(reload, status, new PodResult(name, PodResult.FAILED, null, "pod " + name + " was deleted during its reload"));
    }
    if (prior == null && !PodResolver.isReady(pod)) {
      return record(reload, status, new PodResult(name, PodResult.FAILED, null, "pod " + name + " is not Ready"));
    }
    int attempt = prior == null ? 1 : Objects.requireNonNullElse(prior.getAttempts(), 1);
    PodResult step = prior;
    while (true) {
      Outcome outcome = attempt(reload, status, pod, name, step, spec, attempt);
      PodResult result = outcome.result();
      result.setAttempts(attempt);
      if (!PodResult.FAILED.equals(result.getResult()) || !outcome.retryable() || attempt > spec.retryLimit()) {
        return record(reload, status, result);
      }
      Duration wait = spec.retryDelay(attempt);
      step = new PodResult(name, PodResult.RELOADING, servingGeneration(reload, pod),
          "attempt " + attempt + " failed: " + result.getMessage() + "; retrying in " + wait.toSeconds() + "s");
      step.setAttempts(attempt + 1);
      record(reload, status, step);
      events.warning(reload, Reason.PodReloadRetried, "Pod " + name + ": " + step.getMessage());
      Thread.sleep(wait.toMillis());
      attempt++;
    }
  }

  private Outcome attempt(Reload reload, ReloadStatus status, Pod pod, String name, PodResult prior, ValidSpec spec,
      int attempt) throws InterruptedException {
    Optional<URI> base = addresses.resolve(pod);
    if (base.isEmpty()) {
      return new Outcome(new PodResult(name, PodResult.FAILED, null, addresses.whyNot(pod)), false);
    }
    Long id = null;
    try {
      String token = tokens.token(reload.getMetadata().getNamespace());
      id = prior == null ? null : prior.getReloadId();
      if (id == null && prior != null) {
        id = adoptStartedReload(base.get(), token, prior.getGeneration());
      }
      if (id == null) {
        long generation = batons.status(base.get(), token).path("generation").asLong();
        PodResult step = new PodResult(name, PodResult.RELOADING, generation,
            attempt == 1 ? "reload requested" : "reload requested (attempt " + attempt + ")");
        step.setAttempts(attempt);
        record(reload, status, step);
        ReloadState started = batons.startReload(base.get(), token);
        step.setReloadId(started.id());
        record(reload, status, step);
        id = started.id();
      }
      Instant deadline = Instant.now().plus(spec.podTimeout());
      ReloadState state;
      while (true) {
        state = batons.reload(base.get(), token, id);
        if (state == null) {
          return failed(reload, name, id, "baton no longer knows reload " + id + " (did the pod restart?)");
        }
        if (state.isDone() || Instant.now().isAfter(deadline)) {
          break;
        }
        Thread.sleep(POLL.toMillis());
      }
      if (!state.isDone()) {
        return failed(reload, name, id, "reload " + id + " still " + state.state() + " after podTimeout "
            + spec.podTimeout().toSeconds() + "s");
      }
      boolean ok = "succeeded".equals(state.state());
      String message = state.message().isBlank() ? (ok ? "serving generation " + state.generation() : "reload failed")
          : state.message();
      PodResult done = new PodResult(name, ok ? PodResult.SUCCEEDED : PodResult.FAILED, state.generation(), message);
      done.setReloadId(id);
      return new Outcome(done, !ok);
    } catch (BatonException e) {
      return failed(reload, name, id, e.getMessage());
    } catch (TokenSource.TokenException e) {
      return new Outcome(new PodResult(name, PodResult.FAILED, null, e.getMessage()), false);
    }
  }

  /**
   * A failure that another attempt might mend, unless the pod is gone: a deleted pod's baton stops
   * answering (or forgets its reloads), and the result should say the pod was deleted, not that baton failed.
   */
  private Outcome failed(Reload reload, String name, Long id, String message) {
    PodResult r;
    if (deleted(reload.getMetadata().getNamespace(), name)) {
      r = new PodResult(name, PodResult.FAILED, null, "pod " + name + " was deleted during its reload (" + message + ")");
      r.setReloadId(id);
      return new Outcome(r, false);
    }
    r = new PodResult(name, PodResult.FAILED, null, message);
    r.setReloadId(id);
    return new Outcome(r, true);
  }

  private boolean deleted(String ns, String name) {
    try {
      Pod now = client.pods().inNamespace(ns).withName(name).get();
      return now == null || now.getMetadata().getDeletionTimestamp() != null;
    } catch (RuntimeException e) {
      return false;  // the API server cannot say: treat it as the failure it looks like
    }
  }

  /** Baton's newest generation after a failed attempt (failed spawns count), so a resume does not adopt that one. */
  private Long servingGeneration(Reload reload, Pod pod) {
    try {
      Optional<URI> base = addresses.resolve(pod);
      return base.isEmpty() ? null
          : batons.status(base.get(), tokens.token(reload.getMetadata().getNamespace())).path("generation").asLong();
    } catch (BatonException | TokenSource.TokenException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * An earlier reconcile wrote "Reloading" at {@code generation} but not baton's reload id: it may or may
   * not have reached baton. Baton's own status tells: a reload in progress or a newer generation is that one.
   */
  private Long adoptStartedReload(URI base, String token, Long generation) throws BatonException, InterruptedException {
    JsonNode st = batons.status(base, token);
    Long adopted = null;
    for (JsonNode r : st.path("reloads")) {
      String state = r.path("state").asText();
      boolean running = !"succeeded".equals(state) && !"failed".equals(state);
      boolean newer = generation != null && r.path("generation").asLong(0) > generation;
      if ((running || newer) && (adopted == null || r.path("id").asLong() > adopted)) {
        adopted = r.path("id").asLong();
      }
    }
    return adopted;
  }

  private List<PodResult> run(List<Callable<PodResult>> steps) throws InterruptedException {
    if (steps.size() == 1) {
      try {
        return List.of(steps.get(0).call());
      } catch (InterruptedException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    List<PodResult> out = new ArrayList<>();
    for (Future<PodResult> f : podWorkers.invokeAll(steps)) {
      try {
        out.add(f.get());
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }
    return out;
  }

  /** Puts the pod's step into the status, patches it, and counts a finished pod. */
  private PodResult record(Reload reload, ReloadStatus status, PodResult result) {
    synchronized (status) {
      List<PodResult> list = new ArrayList<>(status.getPods());
      list.removeIf(r -> r.getPod().equals(result.getPod()));
      list.add(result);
      status.setPods(list);
      status.setSucceeded((int) list.stream().filter(r -> PodResult.SUCCEEDED.equals(r.getResult())).count());
      status.setFailed((int) list.stream().filter(r -> PodResult.FAILED.equals(r.getResult())).count());
      patchStatus(reload, aggregator(reload, status).running("Reloading", progress(status)));
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

  private void finish(Reload reload, ReloadStatus status, ReloadStatus done, Reason reason) {
    String message = done.getConditions().get(0).getMessage();
    patchStatus(reload, done);
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
  private void patchStatus(Reload reload, ReloadStatus status) {
    String body;
    synchronized (status) {
      body = Serialization.asJson(List.of(Map.of("op", "add", "path", "/status", "value", status)));
    }
    client.resources(Reload.class).inNamespace(reload.getMetadata().getNamespace())
        .withName(reload.getMetadata().getName()).subresource("status")
        .patch(PatchContext.of(PatchType.JSON), body);
  }

  private static ReloadStatusAggregator aggregator(Reload reload, ReloadStatus status) {
    return new ReloadStatusAggregator(status, reload.getMetadata().getGeneration());
  }

  private static String progress(ReloadStatus s) {
    return (s.getSucceeded() == null ? 0 : s.getSucceeded()) + " of " + s.getTotal() + " pods reloaded"
        + (s.getFailed() != null && s.getFailed() > 0 ? ", " + s.getFailed() + " failed" : "");
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

  @Override
  public void close() {
    podWorkers.shutdownNow();
  }
}
