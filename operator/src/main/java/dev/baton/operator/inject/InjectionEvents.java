package dev.baton.operator.inject;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Events of what the webhook did to a pod: admitted without Baton, a memory limit too small for a
 * reload (Warning), a grace period raised (Normal). Admission warnings reach only a client that created
 * the pod itself; a Deployment's pods are created by the ReplicaSet controller, so the Event is what
 * users see. A pod being created usually has no name yet (generateName), so the Event goes on its
 * controller (the ReplicaSet, StatefulSet, Job...) where `kubectl describe` shows it next to its pods;
 * once per (object, message) so a ReplicaSet of 50 pods gets one Event, not 50.
 */
class InjectionEvents {
  private static final Logger LOG = LoggerFactory.getLogger(InjectionEvents.class);
  private static final String COMPONENT = "baton-operator";

  private final KubernetesClient client;
  private final Set<String> emitted = Collections.newSetFromMap(new LinkedHashMap<String, Boolean>() {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > 10_000;
    }
  });

  InjectionEvents(KubernetesClient client) {
    this.client = client;
  }

  void record(String namespace, JsonNode pod, PodInjector.Notice notice) {
    String message = notice.message();
    String reason = notice.reason();
    ObjectReference on = involvedObject(namespace, pod);
    if (on == null) {
      LOG.info("{} (pod without a name or owner in {}: no Event)", message, namespace);
      return;
    }
    synchronized (emitted) {
      if (!emitted.add(on.getKind() + "/" + on.getNamespace() + "/" + on.getName() + "/" + on.getUid() + "/" + message)) {
        return;
      }
    }
    // The app's problem, not the operator's: the Event carries it, the operator's log only notes it.
    LOG.info("{} {}/{}: {}", on.getKind(), namespace, on.getName(), message);
    String now = Instant.now().toString();
    try {
      client.v1().events().inNamespace(namespace).resource(new EventBuilder()
          .withNewMetadata().withName(on.getName() + "." + Long.toHexString(System.nanoTime())).withNamespace(namespace).endMetadata()
          .withInvolvedObject(on)
          .withType(notice.warning() ? "Warning" : "Normal").withReason(reason).withMessage(message)
          .withNewSource().withComponent(COMPONENT).endSource().withReportingComponent(COMPONENT)
          .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
          .build()).create();
    } catch (RuntimeException e) {
      LOG.warn("could not record event {} on {}/{}: {}", reason, on.getKind(), on.getName(), e.toString());
    }
  }

  private static ObjectReference involvedObject(String namespace, JsonNode pod) {
    JsonNode meta = pod.path("metadata");
    for (JsonNode owner : meta.path("ownerReferences")) {
      if (owner.path("controller").asBoolean(false)) {
        return new ObjectReferenceBuilder().withApiVersion(owner.path("apiVersion").asText())
            .withKind(owner.path("kind").asText()).withName(owner.path("name").asText())
            .withUid(owner.path("uid").asText(null)).withNamespace(namespace).build();
      }
    }
    String name = meta.path("name").asText("");
    return name.isEmpty() ? null : new ObjectReferenceBuilder().withApiVersion("v1").withKind("Pod")
        .withName(name).withUid(meta.path("uid").asText(null)).withNamespace(namespace).build();
  }
}
