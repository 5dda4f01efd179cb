package dev.baton.operator.reconcile;

import dev.baton.operator.api.Reload;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/** Names and labels shared by the operator and the kubectl plugin. */
public final class Utils {
  /** Put on a workload, a new value asks for a Reload of its pods. */
  public static final String RELOAD_ANNOTATION = "baton.dev/reload";
  /** On a Reload made from {@link #RELOAD_ANNOTATION}: the value it was made for. */
  public static final String TRIGGER_ANNOTATION = "baton.dev/trigger";
  /** On a workload: "configmap/NAME,secret/NAME" whose data changes trigger a Reload ({@link ConfigTrigger}). */
  public static final String RELOAD_ON_ANNOTATION = "baton.dev/reload-on";
  /** On a Reload made from {@link #RELOAD_ON_ANNOTATION}: the configs whose new data it is for, comma-separated. */
  public static final String CONFIGS_ANNOTATION = "baton.dev/configs";
  /** Written by the operator on such a workload: "count-hash" of the data it last saw. */
  public static final String RELOAD_ON_HASH_ANNOTATION = "baton.dev/reload-on-hash";
  /**
   * On a workload: the {@code podTimeout} of the Reloads its triggers make (default 5m). For one made for new
   * config data, half of it is how long each pod's baton waits for the kubelet to mount that data.
   */
  public static final String POD_TIMEOUT_ANNOTATION = "baton.dev/reload-pod-timeout";
  public static final String TARGET_KIND_LABEL = "baton.dev/target-kind";
  public static final String TARGET_NAME_LABEL = "baton.dev/target-name";

  private Utils() {}

  /**
   * The Reload for annotation value {@code value} on a workload: {@code <name>-<10 hex of sha256>}, so the
   * same value always names the same Reload (and the API server refuses a second one).
   */
  public static String triggeredReloadName(String kind, String name, String value) {
    String hash = sha256(kind + "/" + name + "/" + value).substring(0, 10);
    String prefix = name.length() > 52 ? name.substring(0, 52) : name;
    return prefix + "-" + hash;
  }

  /** The workload's {@link #POD_TIMEOUT_ANNOTATION} as the spec's podTimeout, if it has one (ValidSpec checks it). */
  static void podTimeoutFrom(HasMetadata workload, Reload reload) {
    Map<String, String> a = workload.getMetadata().getAnnotations();
    String timeout = a == null ? null : a.get(POD_TIMEOUT_ANNOTATION);
    if (timeout != null && !timeout.isBlank()) {
      reload.getSpec().setPodTimeout(timeout.strip());
    }
  }

  /** Label values are at most 63 characters. */
  public static String labelValue(String s) {
    return s.length() > 63 ? s.substring(0, 63) : s;
  }

  static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
