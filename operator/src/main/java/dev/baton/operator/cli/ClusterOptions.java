package dev.baton.operator.cli;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import java.io.File;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * kubectl's cluster flags ({@code --kubeconfig}, {@code --context}, {@code -n}, {@code --request-timeout}) and
 * the client they make, checked the way kubectl checks them before anything is sent: a missing kubeconfig or
 * an unknown context is an error (fabric8 would fall back to the in-cluster address, or silently to the
 * current context: a reload sent to the wrong cluster). The client gives up fast: 3 s to connect, 3 s for
 * an answer unless {@code --request-timeout} says otherwise, no retries.
 */
final class ClusterOptions {
  static final int CONNECT_TIMEOUT_MILLIS = 3000;

  @Option(names = "--kubeconfig", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "The kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).")
  File kubeconfig;

  @Option(names = "--context", paramLabel = "NAME", scope = ScopeType.INHERIT,
      description = "The kubeconfig context (default: its current context).")
  String context;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", scope = ScopeType.INHERIT,
      description = "Namespace (default: the context's, else default).")
  String namespace;

  @Option(names = "--request-timeout", paramLabel = "DURATION", scope = ScopeType.INHERIT, defaultValue = "3s",
      converter = KubectlBaton.DurationConverter.class,
      description = "How long one request to the API server may take, e.g. 10s (default: ${DEFAULT-VALUE}).")
  java.time.Duration requestTimeout;

  /** Where the cluster was looked for, for messages: the context and the server. */
  private String where = "";

  /** A cluster that cannot be used, found before any request; the message is the whole error line. */
  static final class ClusterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ClusterException(String message) {
      super(message);
    }
  }

  /** The client configuration these flags select; a {@link ClusterException} when they select nothing usable. */
  Config config() {
    List<File> files = new ArrayList<>();
    if (kubeconfig != null) {
      if (!kubeconfig.isFile()) {
        throw new ClusterException("--kubeconfig " + kubeconfig + " does not exist");
      }
      files.add(kubeconfig);
    } else {
      Config.getKubeconfigFilenames().stream().map(File::new).filter(File::isFile).forEach(files::add);
    }
    Config config;
    if (files.isEmpty()) {
      if (System.getenv("KUBERNETES_SERVICE_HOST") == null) {
        String env = System.getenv("KUBECONFIG");
        throw new ClusterException("no kubeconfig: " + (env == null || env.isBlank() ? "~/.kube/config does not exist"
            + " and KUBECONFIG is not set" : "KUBECONFIG=" + env + " names no file") + "; give --kubeconfig FILE");
      }
      if (context != null) {
        throw new ClusterException("--context " + context + " needs a kubeconfig: in a pod there is only the service account");
      }
      config = Config.autoConfigure(null); // in a pod: its service account
      where = "the in-cluster API server " + config.getMasterUrl();
    } else {
      List<String> contexts = new ArrayList<>();
      String current = null;
      for (File f : files) {
        try {
          io.fabric8.kubernetes.api.model.Config parsed = KubeConfigUtils.parseConfig(f);
          Objects.requireNonNullElse(parsed.getContexts(), List.<NamedContext>of()).forEach(c -> contexts.add(c.getName()));
          if (current == null && parsed.getCurrentContext() != null && !parsed.getCurrentContext().isBlank()) {
            current = parsed.getCurrentContext(); // kubectl's merge: the first file that sets it wins
          }
        } catch (RuntimeException e) {
          throw new ClusterException("cannot read the kubeconfig " + f + ": " + firstLine(e.getMessage()));
        }
      }
      String use = context != null ? context : current;
      if (use == null) {
        throw new ClusterException("no current context in " + names(files) + ": give --context, one of " + contexts);
      }
      if (!contexts.contains(use)) {
        throw new ClusterException((context != null ? "context " : "the current context ") + use + " is not in "
            + names(files) + ": give --context, one of " + contexts);
      }
      config = kubeconfig != null ? Config.fromKubeconfig(use, kubeconfig) : Config.autoConfigure(use);
      where = "context " + use + ", " + config.getMasterUrl();
    }
    return new ConfigBuilder(config)
        .withConnectionTimeout(CONNECT_TIMEOUT_MILLIS)
        .withRequestTimeout((int) Math.min(Integer.MAX_VALUE, requestTimeout.toMillis()))
        .withRequestRetryBackoffLimit(0)
        .withUserAgent("kubectl-baton/0.1.0")
        .build();
  }

  /** -n, else the context's namespace, else default. */
  String namespace(KubernetesClient client) {
    return namespace != null ? namespace : Objects.requireNonNullElse(client.getNamespace(), "default");
  }

  /** One line for a cluster that failed: what happened and what to check, without a stack trace. */
  static String describe(RuntimeException e, ClusterOptions options) {
    if (e instanceof ClusterException) {
      return e.getMessage();
    }
    KubernetesClientException k = (KubernetesClientException) e;
    String where = options.where.isEmpty() ? "the API server" : options.where;
    for (Throwable t = k; t != null; t = t.getCause()) {
      if (t instanceof ConnectException && !(t instanceof HttpConnectTimeoutException)) {
        return "cannot connect to the API server (" + where + "): connection refused; is the cluster up, and is"
            + " this the right context? (--context, --kubeconfig)";
      }
      if (t instanceof HttpConnectTimeoutException) {
        return "no connection to the API server (" + where + ") within " + CONNECT_TIMEOUT_MILLIS / 1000
            + " s; is the cluster reachable from here? (--context, --kubeconfig)";
      }
      if (t instanceof HttpTimeoutException || t instanceof SocketTimeoutException || t instanceof TimeoutException) {
        return "the API server (" + where + ") did not answer within " + seconds(options.requestTimeout)
            + " (--request-timeout)";
      }
      if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
        return "cannot resolve the API server's host (" + where + "): " + firstLine(t.getMessage());
      }
      if (t instanceof SSLException) {
        return "TLS with the API server failed (" + where + "): " + firstLine(t.getMessage());
      }
    }
    Status status = k.getStatus();
    String message = status != null && status.getMessage() != null ? status.getMessage() : firstLine(k.getMessage());
    return switch (k.getCode()) {
      case 401 -> "the API server (" + where + ") does not accept these credentials (401 Unauthorized): log in again"
          + " or pick another context";
      case 403 -> "not allowed (" + where + "): " + message;
      case 404 -> status != null && status.getDetails() != null && "namespaces".equals(status.getDetails().getKind())
          ? "namespace " + status.getDetails().getName() + " does not exist (" + where + ")"
          : "the cluster has no Reload resource (reloads.baton.dev/v1alpha1, " + where + "): install Baton's chart,"
              + " e.g. helm install baton helm/baton -n baton-system --create-namespace";
      default -> message + " (" + where + ")";
    };
  }

  private static String seconds(java.time.Duration d) {
    return d == null ? "the timeout" : d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static String names(List<File> files) {
    return files.size() == 1 ? files.get(0).toString() : files.toString();
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }
}
