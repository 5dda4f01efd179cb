package dev.baton.operator.inject;

import java.util.List;

/**
 * What the webhook injects that does not come from the pod: the Baton image, the supervisor's JVM,
 * whether pods get a writable directory for the agent's rewrite cache unless their annotation says
 * otherwise, the control token Secret every injected pod mounts, and how the preStop pause is made.
 * The defaults are those of helm/baton-inject's {@code baton-inject.settings}, so a pod injected by the
 * webhook and one rendered with the library chart look the same (helm's InjectParityTest checks it).
 *
 * @param tokenSecret the control token Secret, one name in every namespace (the operator's {@code --token-secret}),
 *     or null for none: then the control port answers anyone who reaches it
 */
public record InjectConfig(String image, String imagePullPolicy, String java, List<String> javaOpts,
    String mountPath, String volumeName, String tokenFile, boolean agentCache, String tokenSecret, String tokenKey,
    PreStop preStop) {

  public static final String DEFAULT_IMAGE = "ghcr.io/baton-dev/baton:0.1.0";
  /** The control token Secret's name everywhere: the operator's flag, the chart, the library chart. */
  public static final String DEFAULT_TOKEN_SECRET = "baton-control-token";
  public static final String DEFAULT_TOKEN_KEY = "token";

  /** The supervisor's own JVM is small: it holds sockets and answers a few HTTP calls. */
  public static final List<String> DEFAULT_JAVA_OPTS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
      "-Xss512k", "-Xmx64m", "-XX:MaxMetaspaceSize=96m", "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED",
      "-Djffi.unsafe.disabled=true");

  /**
   * How the pause before baton's TERM is made. {@code lifecycle.preStop.sleep} needs no binary in the image
   * (distroless has no {@code sleep}) but exists only from Kubernetes 1.30 (beta, on by default); an API server
   * without it drops the field and then refuses the pod (a preStop with no handler), so it is used only
   * where the API server's version is known to have it.
   */
  public enum PreStop {
    /** The sleep action when the API server is 1.30 or newer, else {@link #EXEC}. */
    AUTO("auto"),
    /** {@code lifecycle.preStop.sleep.seconds}: Kubernetes 1.30+ (and its kubelets). */
    SLEEP_ACTION("sleepAction"),
    /** {@code lifecycle.preStop.exec: [sleep, N]}: any version, but needs {@code sleep} in the app image. */
    EXEC("exec");

    private final String flag;

    PreStop(String flag) {
      this.flag = flag;
    }

    public String flag() {
      return flag;
    }

    /** The mode named {@code value} (auto, sleepAction, exec), or null. */
    public static PreStop of(String value) {
      for (PreStop p : values()) {
        if (p.flag.equalsIgnoreCase(value.trim())) {
          return p;
        }
      }
      return null;
    }
  }

  public InjectConfig {
    javaOpts = List.copyOf(javaOpts);
    tokenSecret = tokenSecret == null || tokenSecret.isBlank() ? null : tokenSecret.strip();
  }

  public static InjectConfig defaults() {
    return withImage(DEFAULT_IMAGE);
  }

  public static InjectConfig withImage(String image) {
    return new InjectConfig(image, "IfNotPresent", "java", DEFAULT_JAVA_OPTS, "/opt/baton", "baton",
        "/var/run/baton/token", true, DEFAULT_TOKEN_SECRET, DEFAULT_TOKEN_KEY, PreStop.AUTO);
  }

  /** The same with the agent's cache volume on or off for pods that do not say (the operator's flag). */
  public InjectConfig withAgentCache(boolean on) {
    return new InjectConfig(image, imagePullPolicy, java, javaOpts, mountPath, volumeName, tokenFile, on, tokenSecret,
        tokenKey, preStop);
  }

  /** The same with another control token Secret ({@code name} null or blank: no token). */
  public InjectConfig withTokenSecret(String name, String key) {
    return new InjectConfig(image, imagePullPolicy, java, javaOpts, mountPath, volumeName, tokenFile, agentCache, name,
        key, preStop);
  }

  public InjectConfig withPreStop(PreStop mode) {
    return new InjectConfig(image, imagePullPolicy, java, javaOpts, mountPath, volumeName, tokenFile, agentCache,
        tokenSecret, tokenKey, mode);
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

  /**
   * baton's {@code --jvm-cache} directory, in the same emptyDir beside the agent's (baton, too, creates it
   * 0700 as its own and trusts nothing else: a JVM loads code from it).
   */
  public String jvmCacheDirectory() {
    return cacheMountPath() + "/jvm";
  }

  /**
   * baton's {@code --jvm-cache-size} in injected pods: room for one command line's cache (a Spring Boot
   * app's AOT cache is ~100 MB) while the next is built, well inside {@link #CACHE_VOLUME_SIZE}.
   */
  public static final String JVM_CACHE_SIZE = "512M";

  /**
   * The cache emptyDir's {@code sizeLimit}: the JVM cache bounded by {@link #JVM_CACHE_SIZE}, its recording and
   * build output while a cache is built (each about the cache's size), and the agent's rewrite cache (~140 KiB).
   * The kubelet evicts a pod whose emptyDir outgrows it.
   */
  public static final String CACHE_VOLUME_SIZE = "1Gi";
}
