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

/**
 * The content hash of a configMap, secret or projected volume as a container sees it once the kubelet has
 * synced it, computed here from the API objects, so that a reload for new config data can tell the pod's
 * baton what to wait for ({@link ExpectedConfigs}: {@code POST /reload}'s {@code expect}; baton's
 * {@code watch/ConfigHash} is the same definition).
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
 * old files or the new ones, never a mix. File modes ({@code defaultMode}, {@code items[].mode}) are not hashed
 * (a mode that keeps baton from reading a file makes the reload wait for it to be readable, then fail saying so).
 *
 * <p>From the API objects: a ConfigMap's files are its {@code data} (UTF-8) and {@code binaryData}
 * (base64-decoded) keys, a Secret's its {@code data} (base64-decoded); {@code items} keep only the listed
 * keys, at their {@code path}; a projected volume is the union of its sources' files.
 */
public final class MountedConfigHash {
  private MountedConfigHash() {}

  /** A config's files by key, by reference ("configmap/NAME", "secret/NAME"): null when the object does not exist. */
  @FunctionalInterface
  public interface Contents {
    Map<String, byte[]> of(String ref) throws Unknown;
  }

  /** What the kubelet will mount cannot be known (a config missing, or one the operator may not read): the message says why. */
  public static final class Unknown extends Exception {
    private static final long serialVersionUID = 1L;

    public Unknown(String message) {
      super(message);
    }
  }

  /** What a mount will hold once the kubelet has synced it: its hash, or (hash null) why the operator cannot know. */
  public record Expected(String hash, String unknownBecause) {
    static Expected known(String hash) {
      return new Expected(hash, null);
    }

    static Expected unknown(String why) {
      return new Expected(null, why);
    }
  }

  /**
   * The hash the volume's mount will have, or why the operator cannot know it: a source it does not read
   * (downwardAPI, serviceAccountToken, clusterTrustBundle), a missing object or key that is not optional (the
   * kubelet does not update the volume then), or a config the operator may not read.
   */
  public static Expected expected(Volume volume, Contents contents) {
    SortedMap<String, byte[]> files = new TreeMap<>();
    try {
      if (volume.getConfigMap() != null) {
        add(files, "configmap/" + volume.getConfigMap().getName(), contents, volume.getConfigMap().getItems(),
            Boolean.TRUE.equals(volume.getConfigMap().getOptional()));
      } else if (volume.getSecret() != null) {
        add(files, "secret/" + volume.getSecret().getSecretName(), contents, volume.getSecret().getItems(),
            Boolean.TRUE.equals(volume.getSecret().getOptional()));
      } else if (volume.getProjected() != null) {
        for (VolumeProjection p : volume.getProjected().getSources()) {
          if (p.getConfigMap() != null) {
            add(files, "configmap/" + p.getConfigMap().getName(), contents, p.getConfigMap().getItems(),
                Boolean.TRUE.equals(p.getConfigMap().getOptional()));
          } else if (p.getSecret() != null) {
            add(files, "secret/" + p.getSecret().getName(), contents, p.getSecret().getItems(),
                Boolean.TRUE.equals(p.getSecret().getOptional()));
          } else {
            return Expected.unknown("volume " + volume.getName() + " also projects a "
                + (p.getDownwardAPI() != null ? "downwardAPI" : p.getServiceAccountToken() != null ? "serviceAccountToken"
                : "clusterTrustBundle") + " source, whose files the operator does not compute");
          }
        }
      } else {
        return Expected.unknown("volume " + volume.getName() + " is not a configMap, secret or projected volume");
      }
    } catch (Unknown e) {
      return Expected.unknown(e.getMessage());
    }
    return Expected.known(of(files));
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

  /** Adds a source's files as the kubelet lays them out; Unknown when the kubelet would not update the volume. */
  private static void add(SortedMap<String, byte[]> files, String ref, Contents contents, List<KeyToPath> items,
      boolean optional) throws Unknown {
    Map<String, byte[]> content = contents.of(ref);
    if (content == null) {
      if (optional) {
        return;  // an optional missing object mounts as nothing
      }
      throw new Unknown(ref + " does not exist: the kubelet cannot update the volume");
    }
    if (items == null || items.isEmpty()) {
      files.putAll(content);
      return;
    }
    for (KeyToPath item : items) {
      byte[] bytes = content.get(item.getKey());
      if (bytes != null) {
        files.put(item.getPath(), bytes);
      } else if (!optional) {
        throw new Unknown(ref + " has no key '" + item.getKey() + "' (listed in the volume's items): the kubelet"
            + " cannot update the volume");
      }
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
