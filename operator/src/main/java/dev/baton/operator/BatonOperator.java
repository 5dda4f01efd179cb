package dev.baton.operator;

import com.sun.net.httpserver.HttpServer;
import dev.baton.operator.events.EventRecorder;
import dev.baton.operator.inject.AdmissionWebhook;
import dev.baton.operator.inject.ApiServerFacts;
import dev.baton.operator.inject.InjectConfig;
import dev.baton.operator.metrics.OperatorMetrics;
import dev.baton.operator.reconcile.AnnotationTrigger;
import dev.baton.operator.reconcile.Durations;
import dev.baton.operator.reconcile.ReloadController;
import dev.baton.operator.reconcile.ReloadReconciler;
import dev.baton.operator.reconcile.TokenSource;
import dev.baton.operator.sidecar.ControlAddressResolver;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The operator's process: metrics, leader election on a Lease, and the Reload controller while leading. */
@Command(name = "baton-operator", mixinStandardHelpOptions = true, version = "baton-operator 0.1.0",
    description = "Reloads the pods of a workload through their baton supervisors, as Reload resources ask.")
public class BatonOperator implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(BatonOperator.class);
  public static final String USER_AGENT = "baton-operator/0.1.0";

  @Option(names = "--namespace", paramLabel = "NS", defaultValue = "${WATCH_NAMESPACE:-}",
      description = "Namespace to watch (default: all; env WATCH_NAMESPACE).")
  String namespace;

  @Option(names = "--token-secret", paramLabel = "NAME", defaultValue = "${BATON_TOKEN_SECRET:-" + InjectConfig.DEFAULT_TOKEN_SECRET + "}",
      description = "Secret, the same name in every namespace, holding the batons' control token: read in each Reload's"
          + " namespace, mounted by the webhook into each pod (env BATON_TOKEN_SECRET; default: ${DEFAULT-VALUE};"
          + " an empty name: no token, the control ports answer any caller).")
  String tokenSecret;

  @Option(names = "--token-key", paramLabel = "KEY", defaultValue = InjectConfig.DEFAULT_TOKEN_KEY,
      description = "Key of the token in that Secret (default: ${DEFAULT-VALUE}).")
  String tokenKey;

  @Option(names = "--metrics-address", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:8080",
      description = "Where /metrics and /healthz are served (default: ${DEFAULT-VALUE}; port 0 picks one).")
  String metricsAddress;

  @Option(names = "--leader-election", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Reconcile only while holding the Lease (default: on).")
  boolean leaderElection;

  @Option(names = "--lease-namespace", paramLabel = "NS", defaultValue = "${POD_NAMESPACE:-default}",
      description = "Namespace of the Lease (env POD_NAMESPACE, default: ${DEFAULT-VALUE}).")
  String leaseNamespace;

  @Option(names = "--lease-name", paramLabel = "NAME", defaultValue = "baton-operator",
      description = "Name of the Lease (default: ${DEFAULT-VALUE}).")
  String leaseName;

  @Option(names = "--identity", paramLabel = "ID", defaultValue = "${HOSTNAME:-baton-operator}",
      description = "This replica's name in the Lease (env HOSTNAME).")
  String identity;

  @Option(names = "--lease-duration", paramLabel = "DURATION", defaultValue = "15s",
      description = "How long a dead leader's Lease blocks the other replicas (default: ${DEFAULT-VALUE}).")
  String leaseDuration;

  @Option(names = "--renew-deadline", paramLabel = "DURATION", defaultValue = "10s",
      description = "The leader gives up leading when it could not renew for this long (default: ${DEFAULT-VALUE}).")
  String renewDeadline;

  @Option(names = "--retry-period", paramLabel = "DURATION", defaultValue = "2s",
      description = "How often the Lease is renewed or tried (default: ${DEFAULT-VALUE}).")
  String retryPeriod;

  @Option(names = "--workers", paramLabel = "N", defaultValue = "4",
      description = "Reloads reconciled at once (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--webhook-address", paramLabel = "HOST:PORT", defaultValue = "",
      description = "Serve the pod-injection admission webhook (HTTPS /mutate) here (default: off; the chart uses 0.0.0.0:9443).")
  String webhookAddress;

  @Option(names = "--webhook-cert", paramLabel = "FILE", defaultValue = "/etc/baton/webhook-tls/tls.crt",
      description = "The webhook's PEM certificate chain (default: ${DEFAULT-VALUE}).")
  Path webhookCert;

  @Option(names = "--webhook-key", paramLabel = "FILE", defaultValue = "/etc/baton/webhook-tls/tls.key",
      description = "The webhook's PEM private key, PKCS#8 or PKCS#1 RSA (default: ${DEFAULT-VALUE}).")
  Path webhookKey;

  @Option(names = "--inject-image", paramLabel = "IMAGE", defaultValue = InjectConfig.DEFAULT_IMAGE,
      description = "The image whose /opt/baton jars the webhook's init container copies (default: ${DEFAULT-VALUE}).")
  String injectImage;

  @Option(names = "--inject-agent-cache", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Give injected pods an emptyDir for the agent's rewrite cache (cache= option) unless their"
          + " baton.dev/agent-cache annotation says otherwise (default: on).")
  boolean injectAgentCache;

  @Option(names = "--inject-prestop", paramLabel = "MODE", defaultValue = "auto",
      description = "The injected preStop pause: sleepAction (lifecycle.preStop.sleep, Kubernetes 1.30+, no sleep binary"
          + " needed), exec (exec sleep: any version, needs sleep in the image) or auto (sleepAction when the API server"
          + " is 1.30 or newer; default: ${DEFAULT-VALUE}).")
  String injectPreStop;

  @Option(names = "--reload-on-secrets", negatable = true, defaultValue = "false", fallbackValue = "true",
      description = "Let baton.dev/reload-on name Secrets (secret/NAME): the operator then watches and keeps every"
          + " Secret in memory, which needs list/watch on Secrets (default: off; only ConfigMaps).")
  boolean reloadOnSecrets;

  /** A started operator; {@link #stopped()} completes when it lost the lease or was closed. */
  public static final class Running implements AutoCloseable {
    private final HttpServer metricsServer;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    /** Set by {@link #close()}: a stop we asked for (TERM), not a lost Lease. */
    private volatile boolean closing;
    private volatile ReloadController controller;
    private volatile CompletableFuture<?> election;
    private volatile AdmissionWebhook webhook;
    private volatile ApiServerFacts cluster;

    private Running(HttpServer metricsServer) {
      this.metricsServer = metricsServer;
    }

    /** The webhook's port, or -1 without {@code --webhook-address}. */
    public int webhookPort() {
      return webhook == null ? -1 : webhook.port();
    }

    public int metricsPort() {
      return metricsServer.getAddress().getPort();
    }

    public CompletableFuture<Void> stopped() {
      return stopped;
    }

    /** Whether the operator was closed on purpose (TERM or shutdown), rather than having lost its Lease. */
    public boolean closedOnPurpose() {
      return closing;
    }

    private void lead(ReloadController c) {
      long t0 = System.nanoTime();
      c.start();
      synchronized (this) {
        if (stopped.isDone()) {
          c.close();
          return;
        }
        controller = c;
      }
      LOG.info("informers synced in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    @Override
    public synchronized void close() {
      closing = true;
      if (election != null) {
        election.cancel(true);
      }
      if (controller != null) {
        controller.close();
        controller = null;
      }
      if (webhook != null) {
        webhook.close();
      }
      if (cluster != null) {
        cluster.close();
      }
      metricsServer.stop(0);
      stopped.complete(null);
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new BatonOperator()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    KubernetesClient client = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder().withUserAgent(USER_AGENT).build()).build();
    try (Running running = start(client, ControlAddressResolver.standard())) {
      // On TERM: stop reconciling (progress is in the status) and release the Lease for the next replica.
      Runtime.getRuntime().addShutdownHook(new Thread(running::close, "baton-operator-shutdown"));
      running.stopped().join();
      if (running.closedOnPurpose()) {
        LOG.info("stopped: shutting down");
        return 0;
      }
      LOG.warn("lost the Lease {}/{}: exiting so another replica takes over", leaseNamespace, leaseName);
      return 1;
    }
  }

  /** Starts metrics and the controller (behind leader election unless {@code --no-leader-election}). */
  public Running start(KubernetesClient client, ControlAddressResolver addresses) throws java.io.IOException {
    LeaseTiming lease = leaderElection ? leaseTiming() : null;
    OperatorMetrics metrics = new OperatorMetrics();
    int colon = metricsAddress.lastIndexOf(':');
    Running running = new Running(metrics.serve(new InetSocketAddress(metricsAddress.substring(0, colon),
        Integer.parseInt(metricsAddress.substring(colon + 1)))));
    if (webhookAddress != null && !webhookAddress.isBlank()) {
      // Every replica serves the webhook, leader or not: admission must not wait for an election.
      int at = webhookAddress.lastIndexOf(':');
      if (at < 0) {
        running.close();
        throw new IllegalArgumentException("--webhook-address=" + webhookAddress + " has no port: give HOST:PORT, e.g. 0.0.0.0:9443");
      }
      InjectConfig.PreStop preStop = InjectConfig.PreStop.of(injectPreStop);
      if (preStop == null) {
        running.close();
        throw new CommandLine.ParameterException(new CommandLine(new BatonOperator()), "--inject-prestop=" + injectPreStop
            + " is not a mode: give auto, sleepAction or exec");
      }
      try {
        running.cluster = ApiServerFacts.start(client);
        running.webhook = AdmissionWebhook.start(new InetSocketAddress(webhookAddress.substring(0, at),
            Integer.parseInt(webhookAddress.substring(at + 1))), webhookCert, webhookKey,
            InjectConfig.withImage(injectImage).withAgentCache(injectAgentCache).withTokenSecret(tokenSecret, tokenKey)
                .withPreStop(preStop), running.cluster, client);
      } catch (java.security.GeneralSecurityException | RuntimeException e) {
        running.close();
        throw new java.io.IOException("cannot serve the webhook on " + webhookAddress + ": " + e.getMessage(), e);
      }
    }
    EventRecorder events = new EventRecorder(client);
    TokenSource tokens = tokenSecret == null || tokenSecret.isBlank() ? TokenSource.none()
        : TokenSource.secret(client, tokenSecret, tokenKey);
    String ns = namespace == null || namespace.isBlank() ? null : namespace;
    Runnable lead = () -> {
      LOG.info("leading: reconciling Reloads in {}", ns == null ? "all namespaces" : "namespace " + ns);
      running.lead(new ReloadController(client, new ReloadReconciler(client, addresses, tokens, events, metrics, reloadOnSecrets),
          new AnnotationTrigger(client, events, reloadOnSecrets), ns, workers));
    };
    if (!leaderElection) {
      lead.run();
      return running;
    }
    running.election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
        .withName(leaseName)
        .withLock(new LeaseLock(leaseNamespace, leaseName, identity))
        .withLeaseDuration(lease.duration())
        .withRenewDeadline(lease.renewDeadline())
        .withRetryPeriod(lease.retryPeriod())
        .withReleaseOnCancel(true)
        // The elector calls onStartLeading on its own renewal thread: starting the informers there would
        // hold the renewals back (the Lease lapses and another replica takes it while this one still starts).
        .withLeaderCallbacks(new LeaderCallbacks(() -> new Thread(lead, "baton-operator-lead").start(), () -> {
          if (running.closedOnPurpose()) {
            LOG.info("stopped leading: shutting down, the Lease is released for the next replica");
          } else {
            LOG.warn("stopped leading: the Lease was lost (renewals failed or another replica took it)");
          }
          running.close();
        }, leader -> LOG.info("leader is now {}", leader)))
        .build()).build().start();
    return running;
  }

  private record LeaseTiming(Duration duration, Duration renewDeadline, Duration retryPeriod) {}

  /** The Lease timing flags, checked before anything starts: the ordering is what keeps one leader at a time. */
  private LeaseTiming leaseTiming() {
    LeaseTiming t = new LeaseTiming(duration("--lease-duration", leaseDuration),
        duration("--renew-deadline", renewDeadline), duration("--retry-period", retryPeriod));
    if (t.renewDeadline.compareTo(t.duration) >= 0) {
      throw new CommandLine.ParameterException(new CommandLine(new BatonOperator()), "--renew-deadline=" + renewDeadline
          + " must be shorter than --lease-duration=" + leaseDuration + ": a leader that cannot renew must stop"
          + " before another replica may take the Lease");
    }
    if (t.retryPeriod.compareTo(t.renewDeadline) >= 0) {
      throw new CommandLine.ParameterException(new CommandLine(new BatonOperator()), "--retry-period=" + retryPeriod
          + " must be shorter than --renew-deadline=" + renewDeadline + ": the leader retries its renewal within"
          + " the deadline");
    }
    return t;
  }

  private static Duration duration(String option, String text) {
    Duration d = Durations.parse(text);
    if (d == null || d.isZero()) {
      throw new CommandLine.ParameterException(new CommandLine(new BatonOperator()),
          option + " must be a positive duration such as 15s or 500ms, not '" + text + "'");
    }
    return d;
  }
}
