package dev.baton.operator.cli;

import dev.baton.operator.api.PodResult;
import dev.baton.operator.api.Reload;
import dev.baton.operator.api.ReloadStatus;
import dev.baton.operator.api.ReloadTarget;
import dev.baton.operator.reconcile.Durations;
import dev.baton.operator.reconcile.Utils;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kubectl baton}: create a Reload for a workload and follow it, or show the latest one. A cluster it
 * cannot use (no kubeconfig, an unknown context, nothing answering, no Reload CRD, no permission) is one
 * line on stderr naming the problem and exit 1, within a few seconds: kubectl's own behaviour, not fabric8's
 * (which falls back to the current context for an unknown one, retries a dead server for ~25 s and ends
 * with a stack trace).
 */
@Command(name = "kubectl baton", mixinStandardHelpOptions = true, version = "kubectl-baton 0.1.0",
    description = "Zero-downtime reloads of the pods of a workload through their baton supervisors.",
    subcommands = {KubectlBaton.ReloadCommand.class, KubectlBaton.StatusCommand.class})
public class KubectlBaton implements Callable<Integer> {
  /** How the plugin gets its client from the cluster flags; tests point it at a mock API server. */
  static Function<ClusterOptions, KubernetesClient> clients = o -> new KubernetesClientBuilder().withConfig(o.config()).build();

  @Spec
  CommandSpec spec;

  /** kubectl's flags for the cluster, accepted before or after the subcommand as kubectl does. */
  @Mixin
  ClusterOptions cluster;

  public static void main(String[] args) {
    // fabric8 logs through slf4j-simple: its warnings ("unstable version v1alpha1") are noise in a CLI that
    // reports every failure itself in one line. BATON_LOG_LEVEL=debug brings them back.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
        System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", Objects.requireNonNullElse(System.getenv("BATON_LOG_LEVEL"), "off")));
    System.exit(new CommandLine(new KubectlBaton()).execute(args));
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 2;
  }

  /**
   * A subcommand on one workload: its KIND/NAME checked (exit 2), a client for the cluster flags, and every
   * failure of the cluster one line on stderr (exit 1).
   */
  abstract static class WorkloadCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "KIND/NAME", description = "The workload: deploy/web, sts/db or ds/agent.")
    String workload;
    @Spec
    CommandSpec spec;
    @picocli.CommandLine.ParentCommand
    KubectlBaton parent;

    @Override
    public final Integer call() throws InterruptedException {
      ReloadTarget t;
      try {
        t = target();
      } catch (IllegalArgumentException e) {
        spec.commandLine().getErr().println("error: " + e.getMessage());
        return 2;
      }
      try (KubernetesClient client = clients.apply(parent.cluster)) {
        return run(client, parent.cluster.namespace(client), t, spec.commandLine().getOut());
      } catch (ClusterOptions.ClusterException | KubernetesClientException e) {
        spec.commandLine().getErr().println("error: " + ClusterOptions.describe(e, parent.cluster));
        return 1;
      }
    }

    /** The subcommand itself, in namespace {@code ns}; returns the exit code. */
    abstract int run(KubernetesClient client, String ns, ReloadTarget t, PrintWriter out) throws InterruptedException;

    ReloadTarget target() {
      int slash = workload.indexOf('/');
      if (slash < 1 || slash == workload.length() - 1) {
        throw new IllegalArgumentException("expected KIND/NAME such as deploy/web, not '" + workload + "'");
      }
      String kind = switch (workload.substring(0, slash).toLowerCase(java.util.Locale.ROOT)) {
        case "deploy", "deployment", "deployments", "deployment.apps" -> "Deployment";
        case "sts", "statefulset", "statefulsets", "statefulset.apps" -> "StatefulSet";
        case "ds", "daemonset", "daemonsets", "daemonset.apps" -> "DaemonSet";
        default -> throw new IllegalArgumentException("kind must be deploy, sts or ds, not '"
            + workload.substring(0, slash) + "'");
      };
      return new ReloadTarget(kind, workload.substring(slash + 1));
    }

  }

  @Command(name = "reload", mixinStandardHelpOptions = true,
      description = "Create a Reload of the workload's pods; with --wait, follow it until it ends.")
  static class ReloadCommand extends WorkloadCommand {
    @Option(names = "--wait", description = "Show progress until the Reload ends; exit 1 if it failed.")
    boolean wait;

    @Option(names = "--max-unavailable", paramLabel = "N|P%", description = "Pods reloaded at once (default: 1).")
    String maxUnavailable;

    @Option(names = "--pod-timeout", paramLabel = "DURATION", description = "Time one pod may take, e.g. 90s (default: 5m).")
    String podTimeout;

    @Option(names = "--continue-on-failure", description = "Go on with the other pods when one fails.")
    boolean continueOnFailure;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m", converter = DurationConverter.class,
        description = "With --wait, give up after this long, e.g. 10m (default: ${DEFAULT-VALUE}); exit 2.")
    Duration timeout;

    @Override
    int run(KubernetesClient client, String ns, ReloadTarget t, PrintWriter out) throws InterruptedException {
      Reload reload = new Reload();
      reload.getMetadata().setName(t.getName() + "-" + Long.toString(System.currentTimeMillis(), 36));
      reload.getMetadata().setNamespace(ns);
      reload.getMetadata().setLabels(Map.of(Utils.TARGET_KIND_LABEL, t.getKind(),
          Utils.TARGET_NAME_LABEL, Utils.labelValue(t.getName())));
      reload.getSpec().setTarget(t);
      if (maxUnavailable != null) {
        reload.getSpec().setMaxUnavailable(maxUnavailable.matches("\\d+")
            ? new IntOrString(Integer.parseInt(maxUnavailable)) : new IntOrString(maxUnavailable));
      }
      reload.getSpec().setPodTimeout(podTimeout);
      reload.getSpec().setFailurePolicy(continueOnFailure ? "Continue" : null);
      client.resources(Reload.class).inNamespace(ns).resource(reload).create();
      out.println("reload.baton.dev/" + reload.getMetadata().getName() + " created");
      out.flush();
      if (!wait) {
        return 0;
      }
      Instant deadline = Instant.now().plus(timeout);
      String last = "";
      while (Instant.now().isBefore(deadline)) {
        Reload now;
        try {
          now = client.resources(Reload.class).inNamespace(ns).withName(reload.getMetadata().getName()).get();
        } catch (KubernetesClientException e) {
          throw new ClusterOptions.ClusterException(ClusterOptions.describe(e, parent.cluster) + "; the Reload "
              + reload.getMetadata().getName() + " goes on: kubectl baton status " + workload + " -n " + ns);
        }
        ReloadStatus st = now == null ? null : now.getStatus();
        String line = progress(st);
        if (!line.equals(last)) {
          out.println(line);
          out.flush();
          last = line;
        }
        if (st != null && st.isDone()) {
          out.println(message(st));
          out.flush();
          return ReloadStatus.SUCCEEDED.equals(st.getPhase()) ? 0 : 1;
        }
        Thread.sleep(500);
      }
      spec.commandLine().getErr().println("gave up waiting after " + timeout.toSeconds() + "s; the Reload goes on");
      return 2;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show the latest Reload of the workload.")
  static class StatusCommand extends WorkloadCommand {
    @Override
    int run(KubernetesClient client, String ns, ReloadTarget t, PrintWriter out) {
      List<Reload> reloads = client.resources(Reload.class).inNamespace(ns).list().getItems().stream()
          .filter(r -> r.getSpec() != null && r.getSpec().getTarget() != null
              && t.getKind().equals(r.getSpec().getTarget().getKind())
              && t.getName().equals(r.getSpec().getTarget().getName()))
          .sorted(Comparator.comparing((Reload r) -> Objects.requireNonNullElse(r.getMetadata().getCreationTimestamp(), ""))
              .thenComparing(r -> Objects.requireNonNullElse(r.getStatus() == null ? null : r.getStatus().getStartTime(), "")))
          .toList();
      if (reloads.isEmpty()) {
        spec.commandLine().getErr().println("no Reload of " + t + " in namespace " + ns);
        return 1;
      }
      Reload latest = reloads.get(reloads.size() - 1);
      ReloadStatus st = latest.getStatus();
      out.println("Reload:   " + latest.getMetadata().getName());
      out.println("Target:   " + t);
      out.println("Phase:    " + (st == null || st.getPhase() == null ? ReloadStatus.PENDING : st.getPhase()));
      if (st != null) {
        out.println("Progress: " + progress(st));
        out.println("Message:  " + message(st));
        out.println("Pods:");
        for (PodResult p : st.getPods()) {
          out.printf("  %-30s %-10s gen %-4s %s%n", p.getPod(), p.getResult(),
              p.getGeneration() == null ? "-" : p.getGeneration(), p.getMessage() == null ? "" : p.getMessage());
        }
      }
      out.flush();
      return 0;
    }
  }

  /** Go-style durations, as in the Reload's podTimeout: 90s, 10m, 1h. */
  static class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration d = Durations.parse(value);
      if (d == null) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not a duration such as 90s or 10m");
      }
      return d;
    }
  }

  static String progress(ReloadStatus st) {
    if (st == null || st.getPhase() == null) {
      return "Pending";
    }
    return st.getPhase() + ": " + n(st.getSucceeded()) + "/" + n(st.getTotal()) + " pods reloaded"
        + (n(st.getFailed()) > 0 ? ", " + st.getFailed() + " failed" : "");
  }

  static String message(ReloadStatus st) {
    return st.getConditions().stream().filter(c -> "Ready".equals(c.getType())).map(c -> c.getReason() + ": " + c.getMessage())
        .findFirst().orElse("");
  }

  private static int n(Integer i) {
    return i == null ? 0 : i;
  }
}
