package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import dev.baton.testkit.baton.BatonHome;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.load.LoadResult;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * Baton on a real cluster: k3s in Docker, the images built from the repository's Dockerfiles and
 * imported into k3s, helm/baton installed by the real Helm, a sample JVM app deployed with only the
 * label {@code baton.dev/inject: "true"} (the webhook injects the rest), then {@code kubectl baton reload}
 * while requests flow through a NodePort: not one may fail.
 *
 * <p>Needs a Docker engine; without one it is skipped with a message saying so (the build machine
 * of this writing has none, so there it is compiled and its skip checked, never run).
 */
@EnabledIf(value = "dockerIsAvailable",
    disabledReason = "no Docker engine: the k3s e2e test (chart install, webhook injection, reload under load) is skipped")
class K3sReloadIT {
  private static final String K3S_IMAGE = "rancher/k3s:v1.31.4-k3s1";
  private static final String TAG = "e2e";
  private static final int NODE_PORT = 30080;
  private static final String NS = "default";

  @TempDir
  static Path tmp;
  static K3sContainer k3s;
  static Path kubeconfig;
  static KubernetesClient client;

  static boolean dockerIsAvailable() {
    boolean docker = DockerClientFactory.instance().isDockerAvailable();
    if (!docker) {
      // On the console too: failsafe sends test output to a file, and a skip is easy to overlook.
      System.out.println("[WARNING] K3sReloadIT skipped: no Docker engine reachable (Testcontainers found none);"
          + " it needs one to run k3s, build the Baton images and install the chart");
    }
    return docker;
  }

  @BeforeAll
  static void cluster() throws Exception {
    BatonHome home = E2e.home();
    Path operatorJar = home.root().resolve("operator/target/baton-operator.jar");
    assertThat(operatorJar).as("the operator's shaded jar (mvn -pl operator -am package)").exists();

    k3s = new K3sContainer(DockerImageName.parse(K3S_IMAGE));
    k3s.addExposedPort(NODE_PORT);
    k3s.start();
    kubeconfig = tmp.resolve("kubeconfig.yaml");
    Files.writeString(kubeconfig, k3s.getKubeConfigYaml());
    client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml())).build();

    // The images, built from the repository's Dockerfiles exactly as the README says, then handed to k3s.
    load(new ImageFromDockerfile("baton-e2e/baton:" + TAG, false)
        .withFileFromPath("Dockerfile", home.root().resolve("docker/baton/Dockerfile"))
        .withFileFromPath("sidecar/target/baton.jar", home.batonJar())
        .withFileFromPath("agent/target/baton-agent.jar", home.agentJar()).get());
    load(new ImageFromDockerfile("baton-e2e/operator:" + TAG, false)
        .withFileFromPath("Dockerfile", home.root().resolve("operator/Dockerfile"))
        .withFileFromPath("target/baton-operator.jar", operatorJar)
        .withFileFromPath("src/main/resources", home.root().resolve("operator/src/main/resources")).get());
    // The app: an unmodified JVM server image; Baton comes only from the webhook.
    load(new ImageFromDockerfile("baton-e2e/sample:" + TAG, false)
        .withFileFromPath("baton-sample.jar", home.sampleJar())
        .withDockerfileFromBuilder(b -> b.from("eclipse-temurin:17-jre").copy("baton-sample.jar", "/app/baton-sample.jar")
            .user("10001").build()).get());

    new Helm(home.root().resolve("helm/baton")).install().withName("baton").withNamespace("baton-system")
        .createNamespace().withKubeConfig(kubeconfig)
        .set("image.repository", "baton-e2e/operator").set("image.tag", TAG).set("image.pullPolicy", "Never")
        .set("inject.image.repository", "baton-e2e/baton").set("inject.image.tag", TAG)
        // The control token Secret in the app's namespace: without it the webhook leaves pods alone.
        .set("controlToken.namespaces[0]", NS)
        .waitReady().withTimeout(300).call();
  }

  /** docker save | k3s ctr images import: k3s runs containerd, not the host's Docker. */
  private static void load(String image) throws Exception {
    Path tar = tmp.resolve(image.replaceAll("[^a-z0-9]", "_") + ".tar");
    try (InputStream in = DockerClientFactory.lazyClient().saveImageCmd(image).exec()) {
      Files.copy(in, tar);
    }
    k3s.copyFileToContainer(MountableFile.forHostPath(tar), "/tmp/image.tar");
    var result = k3s.execInContainer("ctr", "-n", "k8s.io", "images", "import", "/tmp/image.tar");
    assertThat(result.getExitCode()).as("ctr import %s: %s", image, result.getStderr()).isZero();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (k3s != null) {
      k3s.stop();
    }
  }

  @Test
  @Timeout(900)
  void theWebhookInjectsAndKubectlBatonReloadsUnderLoadWithoutAFailedRequest() throws Exception {
    Map<String, String> labels = Map.of("app", "web");
    client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
        .withNewMetadata().withName("web").endMetadata()
        .withNewSpec().withReplicas(2).withNewSelector().withMatchLabels(labels).endSelector()
          .withNewTemplate()
            .withNewMetadata().withLabels(Map.of("app", "web", "baton.dev/inject", "true"))
              .withAnnotations(Map.of("baton.dev/args", "--drain-timeout=30s")).endMetadata()
            .withNewSpec().withTerminationGracePeriodSeconds(60L)
              .addNewContainer().withName("web").withImage("baton-e2e/sample:" + TAG).withImagePullPolicy("Never")
                .withCommand("java", "-jar", "/app/baton-sample.jar", "jdk", "--port", "8080", "--sleep", "50")
                .addNewPort().withName("http").withContainerPort(8080).endPort()
              .endContainer()
            .endSpec()
          .endTemplate()
        .endSpec().build()).create();
    client.services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName("web").endMetadata()
        .withNewSpec().withType("NodePort").withSelector(labels)
          .addNewPort().withPort(80).withTargetPort(new IntOrString("http")).withNodePort(NODE_PORT).endPort()
        .endSpec().build()).create();

    await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2)).until(() -> {
      var d = client.apps().deployments().inNamespace(NS).withName("web").get();
      return d.getStatus() != null && Integer.valueOf(2).equals(d.getStatus().getReadyReplicas());
    });
    List<Pod> pods = client.pods().inNamespace(NS).withLabel("app", "web").list().getItems();
    assertThat(pods).hasSize(2).allSatisfy(p -> {
      assertThat(p.getMetadata().getAnnotations()).containsEntry("baton.dev/injected", "web");
      assertThat(p.getSpec().getInitContainers()).extracting("name").containsExactly("baton-install");
      assertThat(p.getSpec().getContainers().get(0).getCommand()).contains("/opt/baton/baton.jar", "--port=8080");
    });

    HttpLoad load = HttpLoad.start(new HttpLoad.Options(k3s.getHost(), k3s.getMappedPort(NODE_PORT), 16, 0, true)
        .timeout(Duration.ofSeconds(30)));
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> load.completed() > 200);
      // The plugin as users run it (kubectl finds kubectl-baton on PATH), aimed at this test's cluster.
      ProcessBuilder plugin = new ProcessBuilder(E2e.home().root().resolve("operator/bin/kubectl-baton").toString(),
          "reload", "deploy/web", "-n", NS, "--wait", "--timeout", "10m")
          .redirectErrorStream(true).redirectOutput(tmp.resolve("kubectl-baton.log").toFile());
      plugin.environment().put("KUBECONFIG", kubeconfig.toString());
      Process kubectlBaton = plugin.start();
      kubectlBaton.getOutputStream().close();
      assertThat(kubectlBaton.waitFor(10, TimeUnit.MINUTES)).isTrue();
      assertThat(kubectlBaton.exitValue()).as("kubectl baton reload: %s", Files.readString(tmp.resolve("kubectl-baton.log")))
          .isZero();
      long afterReload = load.completed();
      await().atMost(Duration.ofSeconds(60)).until(() -> load.completed() > afterReload + 200);
    } finally {
      load.stop();
    }
    LoadResult result = load.await(Duration.ofSeconds(60));
    assertThat(result.failed()).as("failed requests %s, e.g. %s", result.failedBy(), load.failureSamples()).isZero();
    assertThat(result.non2xx()).isZero();
    // Both pods moved to a new generation: every generation number seen is 1 or 2.
    assertThat(result.generations().keySet()).as("generations that answered").contains(2);
  }
}
