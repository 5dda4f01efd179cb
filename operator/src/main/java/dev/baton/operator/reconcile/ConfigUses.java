package dev.baton.operator.reconcile;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * How a pod's containers read a ConfigMap or Secret ({@code configmap/NAME}, {@code secret/NAME}), and which
 * of those ways a running pod never sees change. The kubelet updates a mounted configMap, secret or projected
 * volume in place (its {@code ..data} symlink is swapped to a new directory), but environment variables
 * ({@code env[].valueFrom}, {@code envFrom}) are read once when the container starts and a {@code subPath}
 * mount is a bind mount of one file that is never swapped: a new worker JVM spawned in the same container by
 * an in-place reload sees the old values there. Such a reference needs a rollout (new pods), not a reload.
 */
final class ConfigUses {
  private ConfigUses() {}

  /** One way a container reads the config: {@code how} is "env NAME", "envFrom", or "subPath mount PATH". */
  record Use(String ref, String container, String how) {
    @Override
    public String toString() {
      return how + " (container " + container + ")";
    }
  }

  /** The uses of {@code refs} in {@code pod} that never change in a running pod (init containers included). */
  static List<Use> neverUpdated(PodSpec pod, Collection<String> refs) {
    List<Use> out = new ArrayList<>();
    if (pod == null) {
      return out;
    }
    List<Container> containers = Stream.of(pod.getInitContainers(), pod.getContainers())
        .filter(Objects::nonNull).flatMap(List::stream).toList();
    for (Container c : containers) {
      for (EnvVar e : orEmpty(c.getEnv())) {
        String ref = envRef(e);
        if (ref != null && refs.contains(ref)) {
          out.add(new Use(ref, c.getName(), "env " + e.getName()));
        }
      }
      for (EnvFromSource e : orEmpty(c.getEnvFrom())) {
        String ref = e.getConfigMapRef() != null ? "configmap/" + e.getConfigMapRef().getName()
            : e.getSecretRef() != null ? "secret/" + e.getSecretRef().getName() : null;
        if (ref != null && refs.contains(ref)) {
          out.add(new Use(ref, c.getName(), "envFrom"));
        }
      }
      for (VolumeMount m : orEmpty(c.getVolumeMounts())) {
        boolean subPath = (m.getSubPath() != null && !m.getSubPath().isEmpty())
            || (m.getSubPathExpr() != null && !m.getSubPathExpr().isEmpty());
        if (subPath) {
          for (String ref : volumeRefs(pod, m.getName())) {
            if (refs.contains(ref)) {
              out.add(new Use(ref, c.getName(), "subPath mount " + m.getMountPath()));
            }
          }
        }
      }
    }
    return out;
  }

  /** A whole-volume mount (no subPath) of a volume showing one of the configs: the kubelet updates it in place. */
  record Mount(String container, String mountPath, Volume volume) {}

  /**
   * Where each container sees {@code refs} update in place: what a reload for their new data would ask the
   * pod's baton to wait for ({@link MountedConfigHash#expected} of the volume at {@code mountPath}, in baton's
   * own container), once baton can wait for it.
   */
  static List<Mount> inPlaceMounts(PodSpec pod, Collection<String> refs) {
    List<Mount> out = new ArrayList<>();
    for (Container c : orEmpty(pod.getContainers())) {
      for (VolumeMount m : orEmpty(c.getVolumeMounts())) {
        boolean subPath = (m.getSubPath() != null && !m.getSubPath().isEmpty())
            || (m.getSubPathExpr() != null && !m.getSubPathExpr().isEmpty());
        if (!subPath && volumeRefs(pod, m.getName()).stream().anyMatch(refs::contains)) {
          orEmpty(pod.getVolumes()).stream().filter(v -> v.getName().equals(m.getName())).findFirst()
              .ifPresent(v -> out.add(new Mount(c.getName(), m.getMountPath(), v)));
        }
      }
    }
    return out;
  }

  /** "configmap/app-config through env MODE (container app), envFrom (container app)": one clause per config, by name. */
  static String describe(List<Use> uses) {
    return uses.stream().collect(Collectors.groupingBy(Use::ref, TreeMap::new, Collectors.toList()))
        .entrySet().stream()
        .map(e -> e.getKey() + " through " + e.getValue().stream().map(Use::toString).distinct()
            .collect(Collectors.joining(", ")))
        .collect(Collectors.joining("; "));
  }

  private static String envRef(EnvVar e) {
    if (e.getValueFrom() == null) {
      return null;
    }
    if (e.getValueFrom().getConfigMapKeyRef() != null) {
      return "configmap/" + e.getValueFrom().getConfigMapKeyRef().getName();
    }
    if (e.getValueFrom().getSecretKeyRef() != null) {
      return "secret/" + e.getValueFrom().getSecretKeyRef().getName();
    }
    return null;
  }

  /** The configs a volume shows: a configMap, a secret, or a projected volume's configMap and secret sources. */
  static List<String> volumeRefs(PodSpec pod, String volumeName) {
    List<String> out = new ArrayList<>();
    for (Volume v : orEmpty(pod.getVolumes())) {
      if (!v.getName().equals(volumeName)) {
        continue;
      }
      if (v.getConfigMap() != null) {
        out.add("configmap/" + v.getConfigMap().getName());
      }
      if (v.getSecret() != null) {
        out.add("secret/" + v.getSecret().getSecretName());
      }
      if (v.getProjected() != null) {
        for (VolumeProjection p : orEmpty(v.getProjected().getSources())) {
          if (p.getConfigMap() != null) {
            out.add("configmap/" + p.getConfigMap().getName());
          }
          if (p.getSecret() != null) {
            out.add("secret/" + p.getSecret().getName());
          }
        }
      }
    }
    return out;
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
