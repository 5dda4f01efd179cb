package dev.baton.operator;

import dev.baton.operator.api.Reload;
import dev.baton.operator.sidecar.ControlAddressResolver;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.InputStream;
import java.util.Map;
import picocli.CommandLine;

/** Objects the tests create in the mock API server themselves: no controller makes Pods there. */
public final class Fixtures {
  public static final String NS = "shop";
  public static final String TOKEN_SECRET = "baton-control-token";

  private Fixtures() {}

  public static void installCrd(KubernetesClient client) throws Exception {
    try (InputStream in = Fixtures.class.getResourceAsStream(Reload.CRD_RESOURCE)) {
      CustomResourceDefinition crd = client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
      client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    }
  }

  public static void tokenSecret(KubernetesClient client) {
    client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName(TOKEN_SECRET).endMetadata()
        .addToStringData("token", Batons.TOKEN).build()).create();
  }

  /** A Secret of the app's, with one entry. */
  public static void secret(KubernetesClient client, String name, String key, String value) {
    client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName(name).endMetadata()
        .addToStringData(key, value).build()).create();
  }

  public static Deployment deployment(KubernetesClient client, String name) {
    return client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("app", name).endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
            .withNewSpec().addNewContainer().withName("app").withImage("app").endContainer().endSpec()
          .endTemplate()
        .endSpec().build()).create();
  }

  /** A Ready pod whose baton is reached at {@code controlAddress} (the override annotation). */
  public static Pod pod(KubernetesClient client, String name, String app, String controlAddress, boolean ready) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName(name).addToLabels("app", app).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("app")
          .addNewPort().withName(ControlAddressResolver.PORT_NAME).withContainerPort(8686).endPort()
        .endContainer().endSpec()
        .withNewStatus().withPhase("Running").withPodIP("10.0.0.1")
          .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
        .endStatus();
    if (controlAddress != null) {
      b.editMetadata().addToAnnotations(ControlAddressResolver.ADDRESS_ANNOTATION, controlAddress).endMetadata();
    }
    return client.pods().inNamespace(NS).resource(b.build()).create();
  }

  public static Reload reload(String name, String deployment) {
    Reload r = new Reload();
    r.setMetadata(new ObjectMeta());
    r.getMetadata().setName(name);
    r.getMetadata().setNamespace(NS);
    r.getSpec().setTarget(new dev.baton.operator.api.ReloadTarget("Deployment", deployment));
    return r;
  }

  /** The operator's own client: same mock server, the operator's User-Agent (how RbacTest tells its calls apart). */
  public static KubernetesClient operatorClient(KubernetesClient testClient) {
    return new KubernetesClientBuilder().withConfig(new ConfigBuilder(testClient.getConfiguration())
        .withUserAgent(BatonOperator.USER_AGENT).build()).build();
  }

  /** The operator as main() would start it, without leader election unless asked. */
  public static BatonOperator.Running startOperator(KubernetesClient operatorClient, String... extraArgs) throws Exception {
    BatonOperator op = new BatonOperator();
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--metrics-address=127.0.0.1:0",
        "--token-secret=" + TOKEN_SECRET, "--lease-namespace=" + NS));
    args.addAll(java.util.List.of(extraArgs));
    if (args.stream().noneMatch(a -> a.startsWith("--identity="))) {
      args.add("--identity=test-operator");
    }
    if (!args.contains("--leader-election")) {
      args.add("--no-leader-election");
    }
    new CommandLine(op).parseArgs(args.toArray(String[]::new));
    return op.start(operatorClient, ControlAddressResolver.standard());
  }

  public static Map<String, String> labels(String app) {
    return Map.of("app", app);
  }
}
