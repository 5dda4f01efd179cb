package dev.baton.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testkit.port.FreePorts;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubectl baton} against clusters it cannot use, run as the plugin runs (its own JVM, a real
 * kubeconfig file, the environment kubectl passes): exit 1 and one line on stderr naming the problem, no
 * stack trace, no log line, nothing on stdout; a dead or silent server given up on within the client's
 * timeouts (3 s), where fabric8's retries took ~25 s and ended in a stack trace. The elapsed times are
 * printed; the bound asserted (15 s) only tells a retry loop from a timeout, it is no speed target.
 */
@EnableKubernetesMockClient(https = false)
class KubectlBatonClusterTest {
  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir
  Path tmp;

  record Run(int exit, String out, String err, long millis) {}

  @Test
  void noKubeconfigAtAll() throws Exception {
    Run run = plugin(Map.of("HOME", tmp.toString()), "status", "deploy/web");
    assertOneLine(run, "error: no kubeconfig: ~/.kube/config does not exist and KUBECONFIG is not set; give --kubeconfig FILE");
    run = plugin(Map.of("HOME", tmp.toString()), "status", "deploy/web", "--kubeconfig", tmp.resolve("nope").toString());
    assertOneLine(run, "error: --kubeconfig " + tmp.resolve("nope") + " does not exist");
  }

  @Test
  void anUnknownContextIsNotSwappedForTheCurrentOne() throws Exception {
    Path config = kubeconfig("https://127.0.0.1:" + closedPort());
    Run run = plugin(Map.of(), "reload", "deploy/web", "--kubeconfig", config.toString(), "--context", "prod");
    assertOneLine(run, "error: context prod is not in " + config + ": give --context, one of [dead]");
    // The same through KUBECONFIG, and the flag before the subcommand as kubectl allows.
    run = plugin(Map.of("KUBECONFIG", config.toString()), "--context", "prod", "status", "deploy/web");
    assertOneLine(run, "error: context prod is not in " + config + ": give --context, one of [dead]");
  }

  @Test
  void aClusterThatIsDownOrSilent() throws Exception {
    int port = closedPort();
    Run refused = plugin(Map.of(), "status", "deploy/web", "--kubeconfig", kubeconfig("https://127.0.0.1:" + port).toString());
    assertOneLine(refused, "error: cannot connect to the API server (context dead, https://127.0.0.1:" + port + "/):"
        + " connection refused; is the cluster up, and is this the right context? (--context, --kubeconfig)");

    // Accepts connections (the kernel's backlog) and never answers.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Run run = plugin(Map.of(), "reload", "deploy/web", "--kubeconfig",
          kubeconfig("http://127.0.0.1:" + silent.getLocalPort()).toString());
      assertOneLine(run, "error: the API server (context dead, http://127.0.0.1:" + silent.getLocalPort() + "/) did not"
          + " answer within 3 s (--request-timeout)");
    }
  }

  @Test
  void aClusterWithoutTheReloadCrdOrTheNamespace() throws Exception {
    // Plain HTTP: a TLS handshake with the mock on this loaded machine can outlast the 3 s connect timeout.
    // What an API server answers for a group it does not serve (no CRD), and for a create in a missing
    // namespace. (fabric8's CRUD mock stores a Reload without its CRD: it checks neither, so they are given here.)
    Status noResource = new StatusBuilder().withStatus("Failure").withReason("NotFound").withCode(404)
        .withMessage("the server could not find the requested resource").withNewDetails().endDetails().build();
    server.expect().post().withPath("/apis/baton.dev/v1alpha1/namespaces/shop/reloads").andReturn(404, noResource).always();
    server.expect().get().withPath("/apis/baton.dev/v1alpha1/namespaces/shop/reloads").andReturn(404, noResource).always();
    server.expect().post().withPath("/apis/baton.dev/v1alpha1/namespaces/gone/reloads").andReturn(404, new StatusBuilder()
        .withStatus("Failure").withReason("NotFound").withCode(404).withMessage("namespaces \"gone\" not found")
        .withNewDetails().withName("gone").withKind("namespaces").endDetails().build()).always();
    Path config = kubeconfig(client.getConfiguration().getMasterUrl());
    String master = client.getConfiguration().getMasterUrl();
    // The mock's first answers (in this JVM, on a loaded machine) can take seconds: not what is tested here.
    java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(master + "version"))
        .build(), java.net.http.HttpResponse.BodyHandlers.discarding());
    String expected = "error: the cluster has no Reload resource (reloads.baton.dev/v1alpha1, context dead, " + master
        + "): install Baton's chart, e.g. helm install baton helm/baton -n baton-system --create-namespace";
    assertOneLine(plugin(Map.of(), "reload", "deploy/web", "--kubeconfig", config.toString(), "--request-timeout=30s"),
        expected);
    assertOneLine(plugin(Map.of(), "status", "deploy/web", "--kubeconfig", config.toString(), "--request-timeout=30s"),
        expected);
    assertOneLine(plugin(Map.of(), "reload", "deploy/web", "-n", "gone", "--kubeconfig", config.toString(),
        "--request-timeout=30s"), "error: namespace gone does not exist (context dead, " + master + ")");
  }

  private static void assertOneLine(Run run, String line) {
    System.out.printf("kubectl baton gave up after %d ms: %s%n", run.millis(), run.err().strip());
    assertThat(run.exit()).as(run.toString()).isEqualTo(1);
    assertThat(run.out()).as(run.toString()).isEmpty();
    assertThat(run.err()).as(run.toString()).isEqualTo(line + "\n");
    assertThat(run.millis()).as("no retry loop").isLessThan(15_000);
  }

  /** The plugin's main() in its own JVM, with the environment changed by {@code env} and no KUBECONFIG unless given. */
  private Run plugin(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        KubectlBaton.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("KUBECONFIG");
    pb.environment().remove("KUBERNETES_SERVICE_HOST");
    pb.environment().remove("BATON_LOG_LEVEL");
    pb.environment().put("HOME", tmp.toString()); // no ~/.kube/config of the machine's
    pb.environment().putAll(env);
    long t0 = System.nanoTime();
    Process p = pb.start();
    // Read both streams fully; the JVM's own output is small.
    var out = p.getInputStream();
    var err = p.getErrorStream();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    long millis = (System.nanoTime() - t0) / 1_000_000;
    return new Run(p.exitValue(), new String(out.readAllBytes()), new String(err.readAllBytes()), millis);
  }

  private Path kubeconfig(String server) throws Exception {
    Path file = Files.createTempFile(tmp, "kubeconfig", ".yaml");
    Files.writeString(file, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: dead
          cluster: {server: "%s", insecure-skip-tls-verify: true}
        contexts:
        - name: dead
          context: {cluster: dead, user: u, namespace: shop}
        current-context: dead
        users:
        - name: u
          user: {token: abc}
        """.formatted(server));
    return file;
  }

  private static int closedPort() {
    return FreePorts.next();
  }
}
