package dev.baton.operator.events;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emits core/v1 Events on the objects the operator works on. The same (object, reason, message) is
 * emitted once per operator process; emitting never fails the caller.
 */
public class EventRecorder {
  public enum Type { Normal, Warning }

  public enum Reason {
    Started, PodReloaded, PodReloadFailed, Succeeded, Failed, InvalidSpec, Resumed, ReloadCreated, ConfigNotFound,
    InvalidReloadOn, PodReloadRetried, SpecChanged, RolloutNeeded, ConfigNotAwaited
  }

  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private static final String COMPONENT = "baton-operator";
  private final KubernetesClient client;
  private final Set<String> emitted = Collections.newSetFromMap(new LinkedHashMap<String, Boolean>() {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > 10_000;
    }
  });

  public EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  public void normal(HasMetadata on, Reason reason, String message) {
    emit(on, Type.Normal, reason, message);
  }

  public void warning(HasMetadata on, Reason reason, String message) {
    emit(on, Type.Warning, reason, message);
  }

  public void emit(HasMetadata on, Type type, Reason reason, String message) {
    String key = on.getMetadata().getUid() + "/" + on.getMetadata().getName() + "/" + reason + "/" + message;
    synchronized (emitted) {
      if (!emitted.add(key)) {
        return;
      }
    }
    String now = Instant.now().toString();
    Event event = new EventBuilder()
        .withNewMetadata()
          .withName(on.getMetadata().getName() + "." + Long.toHexString(System.nanoTime()))
          .withNamespace(on.getMetadata().getNamespace())
        .endMetadata()
        .withNewInvolvedObject()
          .withApiVersion(on.getApiVersion()).withKind(on.getKind())
          .withName(on.getMetadata().getName()).withNamespace(on.getMetadata().getNamespace())
          .withUid(on.getMetadata().getUid())
        .endInvolvedObject()
        .withType(type.name()).withReason(reason.name()).withMessage(message)
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT)
        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
        .build();
    try {
      client.v1().events().inNamespace(on.getMetadata().getNamespace()).resource(event).create();
    } catch (RuntimeException e) {
      LOG.warn("could not record event {} on {}/{}: {}", reason, on.getKind(), on.getMetadata().getName(), e.toString());
    }
  }
}
