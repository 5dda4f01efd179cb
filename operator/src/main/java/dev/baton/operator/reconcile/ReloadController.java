package dev.baton.operator.reconcile;

import dev.baton.operator.api.Reload;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Informers on Reloads (and on Deployments/StatefulSets/DaemonSets, ConfigMaps and Secrets for the annotation
 * triggers) feeding a work queue:
 * one reconcile at a time per Reload, events for a Reload being reconciled coalesced into one more run,
 * and a failed reconcile (an API error) retried with a growing delay.
 */
public class ReloadController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadController.class);
  private static final long RESYNC_MILLIS = 10 * 60 * 1000L;

  private final KubernetesClient client;
  private final ReloadReconciler reconciler;
  private final AnnotationTrigger trigger;
  private final String namespace;
  private final ScheduledExecutorService workers;
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private final Set<String> dirty = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<String, Integer> failures = new ConcurrentHashMap<>();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

  /** {@code namespace} null watches all namespaces. */
  public ReloadController(KubernetesClient client, ReloadReconciler reconciler, AnnotationTrigger trigger,
      String namespace, int threads) {
    this.client = client;
    this.reconciler = reconciler;
    this.trigger = trigger;
    this.namespace = namespace;
    this.workers = Executors.newScheduledThreadPool(threads, r -> {
      Thread t = new Thread(r, "baton-operator-reconcile");
      t.setDaemon(true);
      return t;
    });
  }

  public ReloadController start() {
    informers.add(scope(client.resources(Reload.class)).inform(handler(r -> {
      if (r.getStatus() == null || !r.getStatus().isDone()) {
        enqueue(r.getMetadata().getNamespace() + "/" + r.getMetadata().getName());
      }
    }), RESYNC_MILLIS));
    if (trigger != null) {
      ConfigTrigger configs = trigger.configs();
      for (Informable<? extends HasMetadata> workloads : List.of(scope(client.apps().deployments()),
          scope(client.apps().statefulSets()), scope(client.apps().daemonSets()))) {
        informers.add(workloads.inform(handler(this::triggerSafely, w -> safely(w, configs::onWorkloadDeleted)), RESYNC_MILLIS));
      }
      // ConfigMaps and Secrets only matter to workloads annotated baton.dev/reload-on; a change is cheap to
      // ignore. Started after the workload informers so the first events find the workloads known.
      informers.add(scope(client.configMaps()).inform(handler(c -> safely(c, configs::onConfig), c -> {}), RESYNC_MILLIS));
      if (configs.watchesSecrets()) {
        informers.add(scope(client.secrets()).inform(handler(c -> safely(c, configs::onConfig), c -> {}), RESYNC_MILLIS));
      }
    }
    return this;
  }

  private <T extends HasMetadata, L, R extends io.fabric8.kubernetes.client.dsl.Resource<T>> Informable<T> scope(
      io.fabric8.kubernetes.client.dsl.MixedOperation<T, L, R> op) {
    return namespace == null ? op.inAnyNamespace() : op.inNamespace(namespace);
  }

  private void triggerSafely(HasMetadata workload) {
    safely(workload, trigger::onWorkload);
  }

  /** A trigger's failure (an API error) is logged; the next event or resync of that object tries again. */
  private static <T extends HasMetadata> void safely(T object, Consumer<T> action) {
    try {
      action.accept(object);
    } catch (RuntimeException e) {
      LOG.warn("trigger on {} {}/{} failed: {}", object.getKind(), object.getMetadata().getNamespace(),
          object.getMetadata().getName(), e.toString());
    }
  }

  private static <T> ResourceEventHandler<T> handler(Consumer<T> onChange) {
    return handler(onChange, obj -> {});
  }

  private static <T> ResourceEventHandler<T> handler(Consumer<T> onChange, Consumer<T> onDelete) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        onChange.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        onChange.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        onDelete.accept(obj);
      }
    };
  }

  void enqueue(String key) {
    if (running.contains(key)) {
      dirty.add(key);
    } else if (queued.add(key)) {
      submit(key, 0);
    }
  }

  private void submit(String key, long delayMillis) {
    try {
      workers.schedule(() -> run(key), delayMillis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      queued.remove(key);
    }
  }

  private void run(String key) {
    if (!running.add(key)) {
      dirty.add(key);
      queued.remove(key);
      return;
    }
    queued.remove(key);
    boolean retry = false;
    Duration requeue = null;
    try {
      String[] nsName = key.split("/", 2);
      Reload reload = client.resources(Reload.class).inNamespace(nsName[0]).withName(nsName[1]).get();
      if (reload != null) {
        requeue = reconciler.reconcile(reload);
      } else {
        reconciler.deleted(nsName[0], nsName[1]);
      }
      failures.remove(key);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (RuntimeException e) {
      int n = failures.merge(key, 1, Integer::sum);
      LOG.warn("reconcile of Reload {} failed (attempt {}), retrying", key, n, e);
      retry = true;
    } finally {
      running.remove(key);
    }
    if (retry) {
      queued.add(key);
      submit(key, Math.min(60_000L, 500L << Math.min(7, failures.getOrDefault(key, 1))));
    } else if (requeue != null) {
      dirty.remove(key);
      if (queued.add(key)) {
        submit(key, requeue.toMillis());
      }
    } else if (dirty.remove(key)) {
      enqueue(key);
    }
  }

  /** Stops the informers and interrupts running reconciles (their progress is in the Reloads' status). */
  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
    workers.shutdownNow();
    reconciler.close();
    try {
      workers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
