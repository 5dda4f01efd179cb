package dev.baton.operator.reconcile;

import dev.baton.operator.api.Reload;
import dev.baton.operator.sidecar.BatonClient.Expect;
import dev.baton.operator.sidecar.ControlAddressResolver;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a Reload made for new config data ({@link Utils#CONFIGS_ANNOTATION}) asks a pod's baton to wait for
 * before it starts the new generation: for every whole-volume mount of those configs in baton's container, the
 * mount path and the {@link MountedConfigHash} the kubelet's copy will have once synced (the kubelet updates a
 * mounted ConfigMap or Secret up to a minute or more after the object changed). Baton waits (bounded) until
 * the files there hash so, and fails the reload with the path and both hashes if they never do.
 *
 * <p>The expectation is computed when the pod's reload is asked, from the objects as they are then: the
 * newest data, which is what the kubelet will mount (a pod reloaded later in a rollout waits for a later
 * change too, if there was one).
 */
final class ExpectedConfigs {
  private ExpectedConfigs() {}

  /** The expectations for one pod, and the mounts of the configs it cannot wait for, each with why. */
  record Plan(List<Expect> expect, List<String> notAwaited) {
    static final Plan NONE = new Plan(List.of(), List.of());
  }

  /** The configs ("configmap/NAME", "secret/NAME") a Reload was made for; empty when it was not made for new config data. */
  static List<String> configs(Reload reload) {
    Map<String, String> annotations = reload.getMetadata().getAnnotations();
    String configs = annotations == null ? null : annotations.get(Utils.CONFIGS_ANNOTATION);
    if (configs == null || configs.isBlank()) {
      return List.of();
    }
    return Arrays.stream(configs.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /** For each mount of {@code refs} in baton's container: its path and expected hash, or why it cannot be awaited. */
  static Plan plan(Pod pod, List<String> refs, MountedConfigHash.Contents contents) {
    if (refs.isEmpty()) {
      return Plan.NONE;
    }
    Optional<Container> baton = ControlAddressResolver.batonContainer(pod.getSpec());
    if (baton.isEmpty()) {
      return new Plan(List.of(), List.of("which container runs baton is unknown (no container port named '"
          + ControlAddressResolver.PORT_NAME + "' among several containers)"));
    }
    List<Expect> expect = new ArrayList<>();
    List<String> notAwaited = new ArrayList<>();
    for (ConfigUses.Mount m : ConfigUses.inPlaceMounts(pod.getSpec(), refs)) {
      if (!m.container().equals(baton.get().getName())) {
        continue;  // another container's copy: baton neither sees it nor restarts that container
      }
      MountedConfigHash.Expected e = MountedConfigHash.expected(m.volume(), contents);
      if (e.hash() != null) {
        expect.add(new Expect(m.mountPath(), e.hash()));
      } else {
        notAwaited.add(m.mountPath() + ": " + e.unknownBecause());
      }
    }
    return new Plan(List.copyOf(expect), List.copyOf(notAwaited));
  }

  /**
   * How long baton may wait for the config: half the Reload's {@code podTimeout}, so that the other half is left
   * for the generation to start and the operator hears baton's own reason ("… gave up after 2.5 min") before its
   * podTimeout would end the pod's reload with a vaguer one. Derived rather than configured: {@code podTimeout}
   * (the Reload's, or {@code baton.dev/reload-pod-timeout} on the workload) is the one knob.
   */
  static Duration expectTimeout(Duration podTimeout) {
    return Duration.ofMillis(Math.max(1, podTimeout.toMillis() / 2));
  }

  /** Reads configs from the API server: ConfigMaps, and Secrets only when the operator may ({@code --reload-on-secrets}). */
  static MountedConfigHash.Contents fromApi(KubernetesClient client, String namespace, boolean readSecrets) {
    return ref -> {
      String name = ref.substring(ref.indexOf('/') + 1);
      if (ref.startsWith("configmap/")) {
        ConfigMap cm = client.configMaps().inNamespace(namespace).withName(name).get();
        return cm == null ? null : MountedConfigHash.contents(cm);
      }
      if (!readSecrets) {
        throw new MountedConfigHash.Unknown(ref + " is a Secret, which the operator reads only with --reload-on-secrets");
      }
      Secret s = client.secrets().inNamespace(namespace).withName(name).get();
      return s == null ? null : MountedConfigHash.contents(s);
    };
  }
}
