package dev.baton.operator.reconcile;

import dev.baton.operator.api.Reload;
import dev.baton.operator.api.ReloadTarget;
import dev.baton.operator.events.EventRecorder;
import dev.baton.operator.events.EventRecorder.Reason;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A workload annotated {@code baton.dev/reload-on: configmap/NAME,secret/NAME} gets a Reload (an in-place
 * rolling reload, not a rollout) when the data of those objects changes. The hash of their data is kept on
 * the workload in {@code baton.dev/reload-on-hash} as {@code <count>-<hash>}: the first hash seen is only
 * recorded (the pods already run with that config), an operator restart finds the hash it recorded and
 * triggers nothing, and the count names each change's Reload so a crash between creating the Reload and
 * recording the hash creates the same Reload again (refused by the API server) rather than a second one.
 */
public class ConfigTrigger {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigTrigger.class);
  private final KubernetesClient client;
  private final EventRecorder events;
  /** Whether secret/NAME references are allowed (--reload-on-secrets): watching Secrets needs list/watch on all of them. */
  private final boolean secrets;
  /** Workloads with the annotation, "ns/Kind/name" to the references last parsed: who to look at on a change. */
  private final Map<String, List<String>> watchers = new ConcurrentHashMap<>();
  /** "ns/Kind/name" to the (reload-on, reload-on-hash) pair last handled, so status-only updates cost nothing. */
  private final Map<String, String> handled = new ConcurrentHashMap<>();

  public ConfigTrigger(KubernetesClient client, EventRecorder events, boolean secrets) {
    this.client = client;
    this.events = events;
    this.secrets = secrets;
  }

  /** Whether Secrets are watched too (only with --reload-on-secrets). */
  public boolean watchesSecrets() {
    return secrets;
  }

  /** A Deployment, StatefulSet or DaemonSet was seen (added, updated, resynced). */
  public void onWorkload(HasMetadata workload) {
    String key = key(workload.getMetadata().getNamespace(), workload.getKind(), workload.getMetadata().getName());
    String refs = annotation(workload, Utils.RELOAD_ON_ANNOTATION);
    if (refs == null || refs.isBlank() || workload.getMetadata().getDeletionTimestamp() != null) {
      watchers.remove(key);
      handled.remove(key);
      return;
    }
    String seen = refs + "\n" + annotation(workload, Utils.RELOAD_ON_HASH_ANNOTATION);
    if (seen.equals(handled.get(key))) {
      return;
    }
    check(workload.getMetadata().getNamespace(), workload.getKind(), workload.getMetadata().getName());
  }

  public void onWorkloadDeleted(HasMetadata workload) {
    String key = key(workload.getMetadata().getNamespace(), workload.getKind(), workload.getMetadata().getName());
    watchers.remove(key);
    handled.remove(key);
  }

  /** A ConfigMap or Secret changed: every workload naming it is checked. */
  public void onConfig(HasMetadata config) {
    String ref = (config instanceof Secret ? "secret/" : "configmap/") + config.getMetadata().getName();
    String prefix = config.getMetadata().getNamespace() + "/";
    for (var e : watchers.entrySet()) {
      if (e.getKey().startsWith(prefix) && e.getValue().contains(ref)) {
        String[] nsKindName = e.getKey().split("/", 3);
        check(nsKindName[0], nsKindName[1], nsKindName[2]);
      }
    }
  }

  /** Reads the workload afresh (its recorded hash may have changed since an informer saw it) and acts. */
  synchronized void check(String ns, String kind, String name) {
    String key = key(ns, kind, name);
    HasMetadata workload = workloads(kind).inNamespace(ns).withName(name).get();
    String value = workload == null ? null : annotation(workload, Utils.RELOAD_ON_ANNOTATION);
    if (value == null || value.isBlank()) {
      watchers.remove(key);
      handled.remove(key);
      return;
    }
    String recorded = annotation(workload, Utils.RELOAD_ON_HASH_ANNOTATION);
    handled.put(key, value + "\n" + recorded);
    try {
      act(workload, key, value, recorded);
    } catch (RuntimeException e) {
      handled.remove(key);  // an API error: the next event or resync of the workload tries again
      throw e;
    }
  }

  private void act(HasMetadata workload, String key, String value, String recorded) {
    String ns = workload.getMetadata().getNamespace();
    String kind = workload.getKind();
    String name = workload.getMetadata().getName();
    List<String> refs = new ArrayList<>();
    for (String part : value.split(",")) {
      String ref = part.strip();
      String[] kindName = ref.split("/", 2);
      if (kindName.length != 2 || kindName[1].isBlank()
          || !kindName[0].equals("configmap") && !kindName[0].equals("secret")) {
        events.warning(workload, Reason.InvalidReloadOn, Utils.RELOAD_ON_ANNOTATION + " has '" + ref
            + "': write configmap/NAME or secret/NAME, comma-separated");
        watchers.remove(key);
        return;
      }
      if (kindName[0].equals("secret") && !secrets) {
        events.warning(workload, Reason.InvalidReloadOn, Utils.RELOAD_ON_ANNOTATION + " has '" + ref + "', but the"
            + " operator does not watch Secrets: start it with --reload-on-secrets (the chart's operator.reloadOnSecrets)"
            + " or name ConfigMaps only");
        watchers.remove(key);
        return;
      }
      refs.add(ref);
    }
    watchers.put(key, List.copyOf(refs));
    List<ConfigUses.Use> fixed = ConfigUses.neverUpdated(podTemplate(workload), refs);
    if (!fixed.isEmpty()) {
      events.warning(workload, Reason.RolloutNeeded, ConfigUses.describe(fixed) + ", which a running pod never"
          + " updates: " + Utils.RELOAD_ON_ANNOTATION + " cannot apply a change there in place; it needs a rollout ("
          + rolloutCommand(kind, name) + "). Mount the config as a volume (no subPath) to reload it in place");
    }

    StringBuilder data = new StringBuilder();
    for (String ref : refs.stream().sorted().distinct().toList()) {
      Map<String, String> content = content(ns, ref);
      if (content == null) {
        // Not an error of the operator's: the workload waits for it, and reloads when it appears or changes.
        events.warning(workload, Reason.ConfigNotFound, (ref.startsWith("secret/") ? "Secret " : "ConfigMap ")
            + ref.substring(ref.indexOf('/') + 1) + " named in " + Utils.RELOAD_ON_ANNOTATION + " does not exist in namespace "
            + ns + ": no reload until it does");
        return;
      }
      data.append(ref).append('\n');
      content.forEach((k, v) -> data.append(k).append('=').append(v).append('\n'));
    }
    String hash = Utils.sha256(data.toString()).substring(0, 16);
    long count = 0;
    String recordedHash = null;
    if (recorded != null && recorded.matches("\\d{1,18}-[0-9a-f]+")) {
      count = Long.parseLong(recorded.substring(0, recorded.indexOf('-')));
      recordedHash = recorded.substring(recorded.indexOf('-') + 1);
    }
    if (hash.equals(recordedHash)) {
      return;
    }
    String next = (count + 1) + "-" + hash;
    if (recordedHash != null) {
      createReload(workload, next, refs, "data of " + String.join(", ", refs) + " changed");
    }
    record(kind, ns, name, next);
    handled.put(key, value + "\n" + next);
  }

  private void createReload(HasMetadata workload, String next, List<String> refs, String why) {
    String ns = workload.getMetadata().getNamespace();
    String name = Utils.triggeredReloadName(workload.getKind(), workload.getMetadata().getName(), "reload-on " + next);
    Reload reload = new Reload();
    reload.getMetadata().setName(name);
    reload.getMetadata().setNamespace(ns);
    reload.getMetadata().setLabels(Map.of(Utils.TARGET_KIND_LABEL, workload.getKind(),
        Utils.TARGET_NAME_LABEL, Utils.labelValue(workload.getMetadata().getName())));
    reload.getMetadata().setAnnotations(Map.of(Utils.TRIGGER_ANNOTATION, Utils.RELOAD_ON_ANNOTATION + ": " + why,
        Utils.CONFIGS_ANNOTATION, String.join(",", refs)));
    reload.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
        .withApiVersion(workload.getApiVersion()).withKind(workload.getKind()).withName(workload.getMetadata().getName())
        .withUid(workload.getMetadata().getUid()).build()));
    reload.getSpec().setTarget(new ReloadTarget(workload.getKind(), workload.getMetadata().getName()));
    Utils.podTimeoutFrom(workload, reload);
    try {
      client.resources(Reload.class).inNamespace(ns).resource(reload).create();
      events.normal(workload, Reason.ReloadCreated, "Created Reload " + name + ": " + why);
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      LOG.info("Reload {}/{} exists already (made before a restart): recording the hash", ns, name);
    }
  }

  private void record(String kind, String ns, String name, String value) {
    String patch = Serialization.asJson(Map.of("metadata", Map.of("annotations",
        Map.of(Utils.RELOAD_ON_HASH_ANNOTATION, value))));
    workloads(kind).inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  /** The data of "configmap/NAME" or "secret/NAME" (sorted, binary values base64), or null if it is missing. */
  private Map<String, String> content(String ns, String ref) {
    String name = ref.substring(ref.indexOf('/') + 1);
    Map<String, String> out = new TreeMap<>();
    if (ref.startsWith("configmap/")) {
      ConfigMap cm = client.configMaps().inNamespace(ns).withName(name).get();
      if (cm == null) {
        return null;
      }
      out.putAll(Objects.requireNonNullElse(cm.getData(), Map.of()));
      Objects.requireNonNullElse(cm.getBinaryData(), Map.<String, String>of()).forEach((k, v) -> out.put(k + "#binary", v));
    } else {
      Secret s = client.secrets().inNamespace(ns).withName(name).get();
      if (s == null) {
        return null;
      }
      out.putAll(Objects.requireNonNullElse(s.getData(), Map.of()));
      Objects.requireNonNullElse(s.getStringData(), Map.<String, String>of()).forEach((k, v) -> out.put(k + "#string", v));
    }
    return out;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private io.fabric8.kubernetes.client.dsl.MixedOperation<HasMetadata, ?, io.fabric8.kubernetes.client.dsl.Resource<HasMetadata>> workloads(
      String kind) {
    Object op = switch (kind) {
      case "Deployment" -> client.apps().deployments();
      case "StatefulSet" -> client.apps().statefulSets();
      case "DaemonSet" -> client.apps().daemonSets();
      default -> throw new IllegalArgumentException("not a workload kind: " + kind);
    };
    return (io.fabric8.kubernetes.client.dsl.MixedOperation) op;
  }

  /** What to run instead of an in-place reload: {@code kubectl rollout restart deployment/web}. */
  static String rolloutCommand(String kind, String name) {
    return "kubectl rollout restart " + kind.toLowerCase(java.util.Locale.ROOT) + "/" + name;
  }

  private static PodSpec podTemplate(HasMetadata workload) {
    PodTemplateSpec t = workload instanceof Deployment d && d.getSpec() != null ? d.getSpec().getTemplate()
        : workload instanceof StatefulSet s && s.getSpec() != null ? s.getSpec().getTemplate()
        : workload instanceof DaemonSet ds && ds.getSpec() != null ? ds.getSpec().getTemplate() : null;
    return t == null ? null : t.getSpec();
  }

  private static String annotation(HasMetadata o, String name) {
    Map<String, String> a = o.getMetadata().getAnnotations();
    return a == null ? null : a.get(name);
  }

  private static String key(String ns, String kind, String name) {
    return ns + "/" + kind + "/" + name;
  }
}
