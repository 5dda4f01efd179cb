package dev.baton.operator.inject;

/**
 * What injecting a pod needs to know about the cluster beyond the pod itself: which Kubernetes the API
 * server runs (does it have {@code lifecycle.preStop.sleep}?) and whether the pod's namespace holds the
 * control token Secret (a Secret volume that is missing keeps the pod from starting). {@link ApiServerFacts}
 * asks the API server; {@link #assumed} is a cluster where both are settled, for tests and comparisons.
 */
public interface ClusterFacts {
  /** The API server's minor version (its major being 1), e.g. 31; -1 while it is not known. */
  int minorVersion();

  /**
   * Why pods in {@code namespace} cannot mount key {@code key} of the Secret {@code name}, in one line naming
   * the fix, or null when they can.
   */
  String tokenProblem(String namespace, String name, String key);

  /** A cluster of version 1.{@code minor} in which every namespace has the token Secret. */
  static ClusterFacts assumed(int minor) {
    return new ClusterFacts() {
      @Override
      public int minorVersion() {
        return minor;
      }

      @Override
      public String tokenProblem(String namespace, String name, String key) {
        return null;
      }
    };
  }
}
