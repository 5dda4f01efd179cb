package dev.baton.operator.inject;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.VersionInfo;
import java.net.HttpURLConnection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ClusterFacts} from the API server: its version ({@code GET /version}, read at start and every ten
 * minutes, since control planes are upgraded under running operators) and the token Secret, read at each
 * admission ({@code get} on that one name: the RBAC rule names it).
 */
public final class ApiServerFacts implements ClusterFacts, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServerFacts.class);
  private static final long REFRESH_MINUTES = 10;

  private final KubernetesClient client;
  private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "baton-webhook-version");
    t.setDaemon(true);
    return t;
  });
  private volatile int minor = -1;

  private ApiServerFacts(KubernetesClient client) {
    this.client = client;
  }

  /** Starts reading the version in the background: until it is known, {@link #minorVersion()} is -1. */
  public static ApiServerFacts start(KubernetesClient client) {
    ApiServerFacts facts = new ApiServerFacts(client);
    facts.refresher.scheduleWithFixedDelay(facts::readVersion, 0, REFRESH_MINUTES, TimeUnit.MINUTES);
    return facts;
  }

  @Override
  public int minorVersion() {
    return minor;
  }

  void readVersion() {
    int read;
    String text;
    try {
      VersionInfo v = client.getKubernetesVersion();
      read = minorOf(v);
      text = v == null ? "no version" : v.getGitVersion() != null ? v.getGitVersion() : v.getMajor() + "." + v.getMinor();
    } catch (RuntimeException e) {
      read = -1;
      text = e.getMessage();
    }
    if (read != minor) {
      LOG.info("API server version: {} ({})", text, read >= 30 ? "has lifecycle.preStop.sleep"
          : "lifecycle.preStop.sleep not known to be there: preStop pauses use exec sleep unless --inject-prestop=sleepAction");
      minor = read;
    }
  }

  /** The minor version of Kubernetes 1.x ("30", or "30+" as some providers write it); -1 otherwise. */
  static int minorOf(VersionInfo v) {
    if (v == null || !"1".equals(v.getMajor()) || v.getMinor() == null) {
      return -1;
    }
    String digits = v.getMinor().replaceAll("\\D.*$", "");
    return digits.isEmpty() ? -1 : Integer.parseInt(digits);
  }

  @Override
  public String tokenProblem(String namespace, String name, String key) {
    Secret secret;
    try {
      secret = client.secrets().inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_FORBIDDEN) {
        return "the operator may not read the control token Secret " + namespace + "/" + name
            + " (RBAC): is the operator watching " + namespace + "? (the chart's operator.watchNamespace)";
      }
      return "could not check the control token Secret " + namespace + "/" + name + ": " + e.getMessage();
    }
    if (secret == null) {
      return "namespace " + namespace + " has no control token Secret " + name + ": list " + namespace
          + " in the chart's controlToken.namespaces, or: kubectl -n " + namespace + " create secret generic " + name
          + " --from-literal=" + key + "=$(openssl rand -hex 32)";
    }
    boolean has = secret.getData() != null && secret.getData().get(key) != null && !secret.getData().get(key).isBlank()
        || secret.getStringData() != null && secret.getStringData().get(key) != null && !secret.getStringData().get(key).isBlank();
    return has ? null : "the control token Secret " + namespace + "/" + name + " has no key " + key + ": put the token there";
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }
}
