package dev.baton.operator.inject;

import java.util.List;

/**
 * What the webhook injects that does not come from the pod: the Baton image and the supervisor's JVM.
 * The defaults are those of helm/baton-inject's {@code baton-inject.settings}, so a pod injected by the
 * webhook and one rendered with the library chart look the same (helm's InjectParityTest checks it).
 */
public record InjectConfig(String image, String imagePullPolicy, String java, List<String> javaOpts,
    String mountPath, String volumeName, String tokenFile) {

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
        "/var/run/baton/token");
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
}
