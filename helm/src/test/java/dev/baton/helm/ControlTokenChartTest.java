package dev.baton.helm;

import static dev.baton.helm.Charts.BATON;
import static dev.baton.helm.Charts.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.operator.BatonOperator;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The control token Secret: one name everywhere (the operator's flags, the Secrets the chart creates, the
 * RBAC rule naming it), created in the namespaces the chart knows where it is absent, its token kept. Helm's
 * lookup runs for real against Charts.API, which answers as an API server does (discovery, the Secret or 404).
 * Not shown: Helm storing a release (helm-java's install cannot, against the mock: see helm/README.md).
 */
class ControlTokenChartTest {
  private static final String FULLNAME = "rel-baton";

  @Test
  void oneNameEverywhereAndASecretPerNamespaceTheChartKnows() {
    List<Map<String, Object>> docs = Charts.render(BATON, c -> c.set("operator.watchNamespace", "shop")
        .set("controlToken.namespaces[0]", "shop").set("controlToken.namespaces[1]", "payments"));
    List<Map<String, Object>> secrets = secrets(docs);
    assertThat(secrets).extracting(s -> get(s, "metadata.namespace")).containsExactly("shop", "payments");
    for (Map<String, Object> secret : secrets) {
      assertThat((Object) get(secret, "metadata.name")).isEqualTo("baton-control-token");
      // Kept on uninstall: running pods mount it, and baton reads the token once, at start.
      assertThat((Object) get(secret, "metadata.annotations")).isEqualTo(Map.of("helm.sh/resource-policy", "keep"));
      assertThat(token(secret)).matches("[A-Za-z0-9]{48}");
    }
    // Each namespace its own token: one namespace's pods do not unlock another's.
    assertThat(token(secrets.get(0))).isNotEqualTo(token(secrets.get(1)));

    List<Object> args = get(Charts.find(docs, "Deployment", FULLNAME), "spec.template.spec.containers.0.args");
    assertThat(args).contains("--token-secret=baton-control-token", "--token-key=token");
    new CommandLine(new BatonOperator()).parseArgs(args.stream().map(Object::toString).toArray(String[]::new));
  }

  @Test
  void anExistingTokenIsKeptAndSomeoneElsesSecretLeftAlone() {
    // The release's own Secret from an earlier install (what an upgrade, or a reinstall after uninstall with
    // resource-policy keep, finds): its token again, so running batons still accept the operator's calls.
    Charts.existing(new SecretBuilder().withNewMetadata().withName("baton-control-token").withNamespace("kept")
        .addToAnnotations("meta.helm.sh/release-name", "rel").addToAnnotations("meta.helm.sh/release-namespace", "baton-system")
        .endMetadata().addToData("token", Base64.getEncoder().encodeToString("the-running-pods-token".getBytes())).build());
    // A Secret someone made by hand: Helm would refuse to adopt it, and it is the token the pods have.
    Charts.existing(new SecretBuilder().withNewMetadata().withName("baton-control-token").withNamespace("theirs")
        .endMetadata().addToData("token", Base64.getEncoder().encodeToString("made-by-hand".getBytes())).build());

    List<Map<String, Object>> secrets = secrets(Charts.render(BATON, c -> c.set("controlToken.namespaces[0]", "kept")
        .set("controlToken.namespaces[1]", "theirs").set("controlToken.namespaces[2]", "fresh")));
    assertThat(secrets).extracting(s -> get(s, "metadata.namespace")).containsExactly("kept", "fresh");
    assertThat(token(secrets.get(0))).isEqualTo("the-running-pods-token");
    assertThat(token(secrets.get(1))).matches("[A-Za-z0-9]{48}");
  }

  @Test
  void withoutAClusterEachRenderMakesANewTokenUnlessTheValueIsGiven() {
    // Without a Secret to read back (helm template's lookup finds nothing, the CLI never asks a cluster) a render
    // makes a new token every time: a GitOps render would rotate it, locking the operator out of running pods.
    // values.yaml and the README say to give value or create the Secret yourself there.
    String first = token(secrets(Charts.render(BATON, c -> c.set("controlToken.namespaces[0]", "shop"))).get(0));
    String second = token(secrets(Charts.render(BATON, c -> c.set("controlToken.namespaces[0]", "shop"))).get(0));
    assertThat(first).isNotEqualTo(second);
    for (int i = 0; i < 2; i++) {
      assertThat(token(secrets(Charts.render(BATON, c -> c.set("controlToken.namespaces[0]", "shop")
          .set("controlToken.value", "s3cr3t-from-vault"))).get(0))).isEqualTo("s3cr3t-from-vault");
    }
  }

  @Test
  void anotherNameOrKeyOrNoneAtAll() {
    List<Map<String, Object>> other = Charts.render(BATON, c -> c.set("controlToken.namespaces[0]", "shop")
        .set("controlToken.secretName", "shop-baton").set("controlToken.key", "control"));
    Map<String, Object> secret = secrets(other).get(0);
    assertThat((Object) get(secret, "metadata.name")).isEqualTo("shop-baton");
    assertThat((Map<String, Object>) get(secret, "data")).containsOnlyKeys("control");
    assertThat((List<Object>) get(Charts.find(other, "Deployment", FULLNAME), "spec.template.spec.containers.0.args"))
        .contains("--token-secret=shop-baton", "--token-key=control");
    assertThat((List<Object>) get(Charts.find(other, "ClusterRole", FULLNAME), "rules"))
        .contains(Map.of("apiGroups", List.of(""), "resources", List.of("secrets"), "resourceNames", List.of("shop-baton"),
            "verbs", List.of("get")));

    // Not created: the Secret is yours; the operator still uses the name.
    List<Map<String, Object>> notCreated = Charts.render(BATON, c -> c.set("controlToken.namespaces[0]", "shop")
        .set("controlToken.create", false));
    assertThat(secrets(notCreated)).isEmpty();

    // No token: no Secret, and the operator is told so (an empty name).
    List<Map<String, Object>> none = Charts.render(BATON, c -> c.set("controlToken.namespaces[0]", "shop")
        .set("controlToken.secretName", ""));
    assertThat(secrets(none)).isEmpty();
    List<Object> args = get(Charts.find(none, "Deployment", FULLNAME), "spec.template.spec.containers.0.args");
    assertThat(args).contains("--token-secret=");
    CommandLine operator = new CommandLine(new BatonOperator());
    operator.parseArgs(args.stream().map(Object::toString).toArray(String[]::new));
    assertThat((String) operator.getCommandSpec().findOption("--token-secret").getValue()).isEmpty();

    assertThatThrownBy(() -> Charts.render(BATON, c -> c.set("controlToken.secretName", "Baton_Token")))
        .hasMessageContaining("controlToken.secretName");
  }

  private static List<Map<String, Object>> secrets(List<Map<String, Object>> docs) {
    return docs.stream().filter(d -> "Secret".equals(d.get("kind")) && !get(d, "metadata.name").toString().endsWith("-tls"))
        .toList();
  }

  private static String token(Map<String, Object> secret) {
    Map<String, Object> data = get(secret, "data");
    return new String(Base64.getDecoder().decode(data.values().iterator().next().toString()), StandardCharsets.UTF_8);
  }
}
