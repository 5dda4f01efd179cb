package dev.baton.operator.sidecar;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.net.URI;
import java.util.List;
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

  /** The container port named {@link #PORT_NAME}: baton's {@code --control}. */
  static Optional<ContainerPort> batonPort(PodSpec pod) {
    return batonContainer(pod).flatMap(c -> ports(c).stream().filter(p -> PORT_NAME.equals(p.getName())).findFirst());
  }

  /**
   * The container baton runs in (the webhook makes it the app container's entrypoint and names its port
   * {@link #PORT_NAME}): the one with that port, else the pod's only container; empty when neither tells.
   */
  static Optional<Container> batonContainer(PodSpec pod) {
    List<Container> containers = pod == null || pod.getContainers() == null ? List.of() : pod.getContainers();
    for (Container c : containers) {
      if (ports(c).stream().anyMatch(p -> PORT_NAME.equals(p.getName()))) {
        return Optional.of(c);
      }
    }
    return containers.size() == 1 ? Optional.of(containers.get(0)) : Optional.empty();
  }

  private static List<ContainerPort> ports(Container c) {
    return c.getPorts() == null ? List.of() : c.getPorts();
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
        String host = ip.contains(":") ? "[" + ip + "]" : ip;
        return batonPort(pod.getSpec()).map(p -> URI.create("http://" + host + ":" + p.getContainerPort() + "/"));
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
