package dev.baton.operator.reconcile;

import dev.baton.operator.api.Reload;
import dev.baton.operator.api.ReloadTarget;
import dev.baton.operator.events.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Deployment, StatefulSet or DaemonSet annotated {@code baton.dev/reload=<value>} gets a Reload owned by it
 * (so it goes with the workload), named from the value: one Reload per value, however often the workload is
 * seen. {@code baton.dev/reload-on} (reload when a ConfigMap or Secret changes) is handed to {@link ConfigTrigger}.
 */
public class AnnotationTrigger {
  private static final Logger LOG = LoggerFactory.getLogger(AnnotationTrigger.class);
  private final KubernetesClient client;
  private final EventRecorder events;
  private final ConfigTrigger configs;

  /** {@code secrets}: whether baton.dev/reload-on may name Secrets (the operator's --reload-on-secrets). */
  public AnnotationTrigger(KubernetesClient client, EventRecorder events, boolean secrets) {
    this.client = client;
    this.events = events;
    this.configs = new ConfigTrigger(client, events, secrets);
  }

  public ConfigTrigger configs() {
    return configs;
  }

  public void onWorkload(HasMetadata workload) {
    configs.onWorkload(workload);
    Map<String, String> annotations = workload.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(Utils.RELOAD_ANNOTATION);
    if (value == null || value.isBlank() || workload.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    String ns = workload.getMetadata().getNamespace();
    String kind = workload.getKind();
    String name = Utils.triggeredReloadName(kind, workload.getMetadata().getName(), value);
    var reloads = client.resources(Reload.class).inNamespace(ns);
    if (reloads.withName(name).get() != null) {
      return;
    }
    Reload reload = new Reload();
    reload.getMetadata().setName(name);
    reload.getMetadata().setNamespace(ns);
    reload.getMetadata().setLabels(Map.of(Utils.TARGET_KIND_LABEL, kind,
        Utils.TARGET_NAME_LABEL, Utils.labelValue(workload.getMetadata().getName())));
    reload.getMetadata().setAnnotations(Map.of(Utils.TRIGGER_ANNOTATION, value));
    reload.getMetadata().setOwnerReferences(java.util.List.of(new OwnerReferenceBuilder()
        .withApiVersion(workload.getApiVersion()).withKind(kind).withName(workload.getMetadata().getName())
        .withUid(workload.getMetadata().getUid()).build()));
    reload.getSpec().setTarget(new ReloadTarget(kind, workload.getMetadata().getName()));
    Utils.podTimeoutFrom(workload, reload);
    try {
      reloads.resource(reload).create();
      events.normal(workload, EventRecorder.Reason.ReloadCreated, "Created Reload " + name + " for "
          + Utils.RELOAD_ANNOTATION + "=" + value);
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        LOG.warn("could not create Reload {}/{}: {}", ns, name, e.getMessage());
      }
    }
  }
}
