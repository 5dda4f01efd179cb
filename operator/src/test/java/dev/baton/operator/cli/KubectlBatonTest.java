package dev.baton.operator.cli;

import static dev.baton.operator.Fixtures.NS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.operator.ApiCalls;
import dev.baton.operator.BatonOperator;
import dev.baton.operator.Batons;
import dev.baton.operator.Fixtures;
import dev.baton.operator.api.Reload;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kubectl baton reload --wait} and {@code status} against the mock API server and a running operator. */
@EnableKubernetesMockClient(crud = true)
class KubectlBatonTest {
  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir
  Path tmp;

  Batons batons;
  KubernetesClient operatorClient;
  BatonOperator.Running operator;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  @BeforeEach
  void setUp() throws Exception {
    Fixtures.installCrd(client);
    Fixtures.tokenSecret(client);
    Fixtures.deployment(client, "cold");
    Fixtures.pod(client, "cold-0", "cold", null, false);
    operatorClient = Fixtures.operatorClient(client);
    operator = Fixtures.startOperator(operatorClient);
    KubectlBaton.clients = flags -> new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
        .withNamespace(NS).withUserAgent("kubectl-baton-test").build()).build();
  }

  @AfterEach
  void tearDown() throws Exception {
    operator.close();
    operatorClient.close();
    if (batons != null) {
      batons.close();
    }
    ApiCalls.checkAllowed(server);
  }

  private int run(String... args) {
    CommandLine cmd = new CommandLine(new KubectlBaton());
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  @Test
  void reloadWaitThenStatus() throws Exception {
    batons = Batons.start(2, tmp);
    Fixtures.deployment(client, "web");
    Fixtures.pod(client, "web-0", "web", batons.get(0).controlAddress(), true);
    Fixtures.pod(client, "web-1", "web", batons.get(1).controlAddress(), true);
    int code = run("reload", "deploy/web", "--wait", "--max-unavailable=50%");
    assertThat(code).as(out + "\n" + err).isZero();
    assertThat(out.toString()).contains("reload.baton.dev/web-", " created", "Succeeded: 2/2 pods reloaded",
        "Succeeded: all 2 pods reloaded");
    assertThat(batons.get(0).servingGeneration()).isEqualTo(2);
    assertThat(batons.get(1).servingGeneration()).isEqualTo(2);
    Reload created = client.resources(Reload.class).inNamespace(NS).list().getItems().get(0);
    assertThat(created.getSpec().getMaxUnavailable().getStrVal()).isEqualTo("50%");

    out.getBuffer().setLength(0);
    assertThat(run("status", "deployment/web")).isZero();
    assertThat(out.toString()).contains("Reload:   " + created.getMetadata().getName(), "Target:   Deployment/web",
        "Phase:    Succeeded", "web-0", "web-1", "Succeeded  gen 2");
  }

  @Test
  void reloadWaitFailsWhenTheReloadFails() {
    assertThat(run("reload", "deploy/cold", "--wait")).isEqualTo(1);
    assertThat(out.toString()).contains("Failed: 0/1 pods reloaded, 1 failed", "PodFailed: pod cold-0 failed: pod cold-0 is not Ready");
    out.getBuffer().setLength(0);
    assertThat(run("status", "deploy/cold")).isZero();
    assertThat(out.toString()).contains("Phase:    Failed", "cold-0", "is not Ready");
  }

  @Test
  void theNamespaceFlagWorksBeforeOrAfterTheSubcommandAsWithKubectl() {
    assertThat(run("-n", "other", "status", "deploy/none")).isEqualTo(1);
    assertThat(err.toString()).contains("no Reload of Deployment/none in namespace other");
    assertThat(run("status", "deploy/none", "--namespace", "third")).isEqualTo(1);
    assertThat(err.toString()).contains("no Reload of Deployment/none in namespace third");
  }

  @Test
  void usageErrors() {
    assertThat(run("status", "deploy/none")).isEqualTo(1);
    assertThat(err.toString()).contains("no Reload of Deployment/none in namespace shop");
    assertThat(run("reload", "cronjob/x")).isEqualTo(2);
    assertThat(err.toString()).contains("kind must be deploy, sts or ds, not 'cronjob'");
  }
}
