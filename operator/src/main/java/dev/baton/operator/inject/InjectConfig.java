package dev.baton.operator.inject;

import java.util.List;

/**
 * What the webhook injects that does not come from the pod: the Baton image, the supervisor's JVM, and
 * whether pods get a writable directory for the agent's rewrite cache unless their annotation says
 * otherwise. The defaults are those of helm/baton-inject's {@code baton-inject.settings}, so a pod
 * injected by the webhook and one rendered with the library chart look the same (helm's
 * InjectParityTest checks it).
 */
public record InjectConfig(String image, String imagePullPolicy, String java, List<String> javaOpts,
    String mountPath, String volumeName, String tokenFile, boolean agentCache) {

  public static final String DEFAULT_IMAGE = "ghcr.io/baton-dev/baton:0.1.0";

  /** The supervisor's own JVM is small: it holds sockets and answers a few HTTP calls. */
  public static final List<String> DEFAULT_JAVA_OPTS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
      "-Xss512k", "-Xmx64m", "-XX:MaxMetaspaceSize=96m", "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED",
      "-Djffi.unsafe.disabled=true");

  public InjectConfig {
    javaOpts = List.copyOf(javaOpts);
  }

  public static InjectConfig defaults() {
    return withImage(DEFAULT_IMAGE);
  }

  public static InjectConfig withImage(String image) {
    return new InjectConfig(image, "IfNotPresent", "java", DEFAULT_JAVA_OPTS, "/opt/baton", "baton",
        "/var/run/baton/token", true);
  }

  /** The same with the agent's cache volume on or off for pods that do not say (the operator's flag). */
  public InjectConfig withAgentCache(boolean on) {
    return new InjectConfig(image, imagePullPolicy, java, javaOpts, mountPath, volumeName, tokenFile, on);
  }

  public String supervisorJar() {
    return mountPath + "/baton.jar";
  }

  public String agentJar() {
    return mountPath + "/baton-agent.jar";
  }

  public String tokenVolumeName() {
    return volumeName + "-token";
  }

  /** The emptyDir the agent keeps its rewrite cache in. */
  public String cacheVolumeName() {
    return volumeName + "-cache";
  }

  public String cacheMountPath() {
    return mountPath + "-cache";
  }

  /**
   * The agent's {@code cache=} directory: one level below the mount, because an emptyDir's root is
   * mode 0777 and the agent only trusts a cache directory that is its own and private, which it creates
   * (0700, as whatever uid the app runs as) when it is missing.
   */
  public String agentCacheDirectory() {
    return cacheMountPath() + "/agent";
  }
}
