package dev.baton.operator.reconcile;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The bearer token for the batons of a namespace (baton's {@code --control-token-file}). */
@FunctionalInterface
public interface TokenSource {
  /** The token, or null when the batons need none; the exception message goes into the pod's result. */
  String token(String namespace) throws TokenException;

  class TokenException extends Exception {
    private static final long serialVersionUID = 1L;

    public TokenException(String message) {
      super(message);
    }
  }

  static TokenSource none() {
    return ns -> null;
  }

  /** Key {@code key} of the Secret {@code name} in the Reload's namespace. */
  static TokenSource secret(KubernetesClient client, String name, String key) {
    return ns -> {
      Secret s = client.secrets().inNamespace(ns).withName(name).get();
      if (s == null) {
        throw new TokenException("the control token Secret " + ns + "/" + name + " does not exist");
      }
      if (s.getData() != null && s.getData().get(key) != null) {
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8).strip();
      }
      if (s.getStringData() != null && s.getStringData().get(key) != null) {
        return s.getStringData().get(key).strip();
      }
      throw new TokenException("the control token Secret " + ns + "/" + name + " has no key '" + key + "'");
    };
  }
}
