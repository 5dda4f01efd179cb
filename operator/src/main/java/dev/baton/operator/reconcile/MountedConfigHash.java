package dev.baton.operator.reconcile;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The content hash of a configMap, secret or projected volume as a container sees it once the kubelet has
 * synced it, computed here from the API objects, so that a reload for new config data can tell the pod's
 * baton what to wait for (the operator half of issue 14 §2; baton's half, the wait, comes with the sidecar).
 *
 * <p>The definition (v1), over the files under the mount directory:
 * <pre>
 * files = every regular file under the mount directory, symlinks followed, except the top-level entries whose
 *         name starts with ".." (the kubelet's ..data link and its ..TIMESTAMP directories)
 * line  = lowercase hex SHA-256 of the file's bytes, two spaces, its path relative to the mount directory
 *         ('/'-separated), "\n"                                  (what sha256sum prints)
 * hash  = "sha256:" + lowercase hex SHA-256 of the lines, sorted by path (UTF-8 byte order)
 * </pre>
 * The same in a shell: {@code cd DIR && find -L . -mindepth 1 -path './..*' -prune -o -type f -printf '%P\n'
 * | LC_ALL=C sort | while read -r f; do sha256sum "$f"; done | sha256sum}. The kubelet lays a volume out
 * atomically: the files live in {@code ..TIMESTAMP/}, {@code ..data} links to it, and each top-level name
 * (a key, or the first segment of an {@code items[].path}) links to {@code ..data/NAME}; an update writes a
 * new {@code ..TIMESTAMP/} and swaps {@code ..data} with one rename, so a reader following the links sees the
 * old files or the new ones, never a mix. File modes ({@code defaultMode}, {@code items[].mode}) are not hashed.
 *
 * <p>From the API objects: a ConfigMap's files are its {@code data} (UTF-8) and {@code binaryData}
 * (base64-decoded) keys, a Secret's its {@code data} (base64-decoded); {@code items} keep only the listed
 * keys, at their {@code path}; a projected volume is the union of its sources' files.
 */
public final class MountedConfigHash {
  private MountedConfigHash() {}

  /**
   * The hash the volume's mount will have, or null when the operator cannot know it: a source it does not read
   * (downwardAPI, serviceAccountToken, clusterTrustBundle), or a missing object or key that is not optional
   * (the kubelet would not mount it either). {@code contents} gives a config's files by key ("configmap/NAME",
   * "secret/NAME"), null when the object is missing.
   */
  public static String expected(Volume volume, Function<String, Map<String, byte[]>> contents) {
    SortedMap<String, byte[]> files = new TreeMap<>();
    boolean known;
    if (volume.getConfigMap() != null) {
      known = add(files, contents.apply("configmap/" + volume.getConfigMap().getName()), volume.getConfigMap().getItems(),
          Boolean.TRUE.equals(volume.getConfigMap().getOptional()));
    } else if (volume.getSecret() != null) {
      known = add(files, contents.apply("secret/" + volume.getSecret().getSecretName()), volume.getSecret().getItems(),
          Boolean.TRUE.equals(volume.getSecret().getOptional()));
    } else if (volume.getProjected() != null) {
      known = true;
      for (VolumeProjection p : volume.getProjected().getSources()) {
        if (p.getConfigMap() != null) {
          known &= add(files, contents.apply("configmap/" + p.getConfigMap().getName()), p.getConfigMap().getItems(),
              Boolean.TRUE.equals(p.getConfigMap().getOptional()));
        } else if (p.getSecret() != null) {
          known &= add(files, contents.apply("secret/" + p.getSecret().getName()), p.getSecret().getItems(),
              Boolean.TRUE.equals(p.getSecret().getOptional()));
        } else {
          known = false;
        }
      }
    } else {
      known = false;
    }
    return known ? of(files) : null;
  }

  /** The hash of files (relative path to bytes), by the definition above. */
  public static String of(SortedMap<String, byte[]> files) {
    StringBuilder lines = new StringBuilder();
    // TreeMap<String> orders by UTF-16 code units; the definition orders by UTF-8 bytes: the same for the
    // characters a key may have ([-._a-zA-Z0-9]) and the '/' of item paths.
    files.forEach((path, bytes) -> lines.append(sha256(bytes)).append("  ").append(path).append('\n'));
    return "sha256:" + sha256(lines.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** A ConfigMap's files by key: data as UTF-8, binaryData decoded. */
  public static Map<String, byte[]> contents(ConfigMap cm) {
    Map<String, byte[]> out = new TreeMap<>();
    if (cm.getData() != null) {
      cm.getData().forEach((k, v) -> out.put(k, v.getBytes(StandardCharsets.UTF_8)));
    }
    if (cm.getBinaryData() != null) {
      cm.getBinaryData().forEach((k, v) -> out.put(k, Base64.getDecoder().decode(v)));
    }
    return out;
  }

  /** A Secret's files by key: data decoded (stringData, write-only on a real API server, as UTF-8 over it). */
  public static Map<String, byte[]> contents(Secret s) {
    Map<String, byte[]> out = new TreeMap<>();
    if (s.getData() != null) {
      s.getData().forEach((k, v) -> out.put(k, Base64.getDecoder().decode(v)));
    }
    if (s.getStringData() != null) {
      s.getStringData().forEach((k, v) -> out.put(k, v.getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }

  private static boolean add(SortedMap<String, byte[]> files, Map<String, byte[]> content, List<KeyToPath> items,
      boolean optional) {
    if (content == null) {
      return optional;  // an optional missing object mounts as nothing
    }
    if (items == null || items.isEmpty()) {
      files.putAll(content);
      return true;
    }
    for (KeyToPath item : items) {
      byte[] bytes = content.get(item.getKey());
      if (bytes == null) {
        if (!optional) {
          return false;
        }
      } else {
        files.put(item.getPath(), bytes);
      }
    }
    return true;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
