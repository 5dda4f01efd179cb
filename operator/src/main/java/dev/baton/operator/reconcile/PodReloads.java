package dev.baton.operator.reconcile;

import dev.baton.operator.api.PodResult;
import dev.baton.operator.events.EventRecorder;
import dev.baton.operator.sidecar.BatonClient;
import dev.baton.operator.sidecar.ControlAddressResolver;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;

/**
 * What every {@link PodReload} works with: the pods' batons, their addresses and token, and two executors.
 * The steps run on {@code workers} (a step blocks on HTTP calls, so one thread per busy pod, as many as a
 * batch has); the waits between them are {@code timers}' scheduled tasks, which hold no thread.
 */
final class PodReloads implements AutoCloseable {
  final KubernetesClient client;
  final ControlAddressResolver addresses;
  final TokenSource tokens;
  final BatonClient batons;
  final EventRecorder events;
  /** Whether Secrets may be read (--reload-on-secrets): for the hash of a mounted Secret a reload waits for. */
  final boolean readSecrets;
  final ExecutorService workers = Executors.newCachedThreadPool(daemon("baton-operator-pod"));
  final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(daemon("baton-operator-pod-timer"));

  PodReloads(KubernetesClient client, ControlAddressResolver addresses, TokenSource tokens, EventRecorder events,
      boolean readSecrets) {
    this.client = client;
    this.addresses = addresses;
    this.tokens = tokens;
    this.batons = new BatonClient(Duration.ofSeconds(10));
    this.events = events;
    this.readSecrets = readSecrets;
  }

  /**
   * Reloads a batch, each pod on its own, and waits for all of them: {@code todo} new pods and {@code inFlight}
   * steps an earlier reconcile left unfinished (a pod gone since then is in {@code inFlight} with no Pod).
   */
  List<PodResult> run(RolloutStatus rollout, ValidSpec spec, List<Pod> todo, List<InFlight> inFlight)
      throws InterruptedException {
    List<CompletableFuture<PodResult>> batch = new ArrayList<>();
    for (InFlight f : inFlight) {
      batch.add(new PodReload(this, rollout, spec, f.step().getPod(), f.pod(), f.step()).start());
    }
    for (Pod p : todo) {
      batch.add(new PodReload(this, rollout, spec, p.getMetadata().getName(), p, null).start());
    }
    try {
      CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause() : e.getCause();
      if (cause instanceof InterruptedException) {
        throw new InterruptedException("interrupted while reloading a batch");
      }
      throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
    }
    return batch.stream().map(CompletableFuture::join).toList();
  }

  /** A pod's step from an earlier reconcile, still unfinished, and the pod now (null: gone). */
  record InFlight(PodResult step, Pod pod) {}

  /** Whether the pod is gone from the API server or terminating; false when the API server cannot say. */
  boolean isDeleted(String ns, String name) {
    try {
      Pod now = client.pods().inNamespace(ns).withName(name).get();
      return now == null || now.getMetadata().getDeletionTimestamp() != null;
    } catch (RuntimeException e) {
      return false;  // treat it as the failure it looks like
    }
  }

  @Override
  public void close() {
    timers.shutdownNow();
    workers.shutdownNow();
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
