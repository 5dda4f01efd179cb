package dev.baton.operator.sidecar;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.URI;
import java.util.Map;
import java.util.Optional;

/** Where a pod's baton control API listens. */
@FunctionalInterface
public interface ControlAddressResolver {
  /** The name of the container port baton's {@code --control} listens on. */
  String PORT_NAME = "baton";
  /**
   * Overrides the address ({@code host:port}): a hook for tests and unusual networks (a pod reached
   * through a proxy). Used only when present; normally the pod IP and the port named {@code baton} are.
   */
  String ADDRESS_ANNOTATION = "baton.dev/control-address";

  /** The base URI of the pod's control API, or empty with nothing to reach (see {@link #whyNot}). */
  Optional<URI> resolve(Pod pod);

  /** Why {@link #resolve} found nothing, for the pod's result message. */
  default String whyNot(Pod pod) {
    return "pod " + pod.getMetadata().getName() + " has no container port named '" + PORT_NAME + "'";
  }

  /** The annotation if present, else {@code http://<podIP>:<port named baton>/}. */
  static ControlAddressResolver standard() {
    return new ControlAddressResolver() {
      @Override
      public Optional<URI> resolve(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        String override = annotations == null ? null : annotations.get(ADDRESS_ANNOTATION);
        if (override != null && !override.isBlank()) {
          return Optional.of(URI.create("http://" + override.strip() + "/"));
        }
        String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        if (ip == null || ip.isBlank()) {
          return Optional.empty();
        }
        for (Container c : pod.getSpec().getContainers()) {
          for (ContainerPort p : c.getPorts() == null ? java.util.List.<ContainerPort>of() : c.getPorts()) {
            if (PORT_NAME.equals(p.getName())) {
              String host = ip.contains(":") ? "[" + ip + "]" : ip;
              return Optional.of(URI.create("http://" + host + ":" + p.getContainerPort() + "/"));
            }
          }
        }
        return Optional.empty();
      }

      @Override
      public String whyNot(Pod pod) {
        String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        return ip == null || ip.isBlank() ? "pod " + pod.getMetadata().getName() + " has no IP yet"
            : ControlAddressResolver.super.whyNot(pod);
      }
    };
  }
}
