package dev.baton.helm;

import static dev.baton.helm.Charts.BATON;
import static dev.baton.helm.Charts.find;
import static dev.baton.helm.Charts.get;
import static dev.baton.helm.Charts.named;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.operator.BatonOperator;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The pod-injection webhook's objects in helm/baton: Service, MutatingWebhookConfiguration, TLS either way. */
class WebhookChartTest {
  private static final String FULLNAME = "rel-baton";

  @Test
  void byDefaultHelmGeneratesACaWhoseCertificateTheOperatorServes() throws Exception {
    List<Map<String, Object>> docs = Charts.render(BATON, c -> c);

    Map<String, Object> mwc = find(docs, "MutatingWebhookConfiguration", FULLNAME);
    Map<String, Object> hook = get(mwc, "webhooks.0");
    assertThat(hook).containsEntry("name", "inject.baton.dev").containsEntry("failurePolicy", "Ignore")
        .containsEntry("sideEffects", "NoneOnDryRun").containsEntry("timeoutSeconds", 5)
        .containsEntry("reinvocationPolicy", "Never");
    assertThat((List<Object>) hook.get("admissionReviewVersions")).containsExactly("v1");
    assertThat((Map<String, Object>) get(hook, "clientConfig.service")).containsEntry("name", FULLNAME + "-webhook")
        .containsEntry("namespace", "baton-system").containsEntry("path", "/mutate").containsEntry("port", 443);
    assertThat((Object) get(hook, "rules.0.operations")).isEqualTo(List.of("CREATE"));
    assertThat((Object) get(hook, "rules.0.resources")).isEqualTo(List.of("pods"));
    assertThat((Object) get(hook, "objectSelector.matchLabels")).isEqualTo(Map.of("baton.dev/inject", "true"));
    assertThat((Object) get(hook, "namespaceSelector.matchExpressions.0"))
        .isEqualTo(Map.of("key", "baton.dev/inject", "operator", "NotIn", "values", List.of("disabled")));
    assertThat((Map<String, Object>) get(mwc, "metadata")).doesNotContainKey("namespace");

    // The caBundle is the CA that signed the Secret's certificate, which names the Service.
    Map<String, Object> secret = find(docs, "Secret", FULLNAME + "-webhook-tls");
    assertThat(secret).containsEntry("type", "kubernetes.io/tls");
    X509Certificate ca = x509((String) get(hook, "clientConfig.caBundle"));
    X509Certificate serving = x509(data(secret, "tls.crt"));
    serving.verify(ca.getPublicKey());
    assertThat(x509(data(secret, "ca.crt"))).isEqualTo(ca);
    assertThat(serving.getSubjectAlternativeNames().stream().map(san -> (Object) san.get(1)).toList()).contains(FULLNAME + "-webhook.baton-system.svc", FULLNAME + "-webhook.baton-system.svc.cluster.local");
    assertThat(new String(Base64.getDecoder().decode(data(secret, "tls.key"))))
        .startsWith("-----BEGIN RSA PRIVATE KEY-----");

    // The Service reaches the operator's "webhook" port, which serves that Secret.
    Map<String, Object> svc = find(docs, "Service", FULLNAME + "-webhook");
    assertThat((Object) get(svc, "spec.ports.0.port")).isEqualTo(443);
    assertThat((Object) get(svc, "spec.ports.0.targetPort")).isEqualTo("webhook");
    Map<String, Object> deploy = find(docs, "Deployment", FULLNAME);
    assertThat((Map<String, Object>) get(svc, "spec.selector")).isEqualTo(get(deploy, "spec.selector.matchLabels"));
    Map<String, Object> c = get(deploy, "spec.template.spec.containers.0");
    assertThat((Object) named(get(c, "ports"), "webhook").get("containerPort")).isEqualTo(9443);
    assertThat((List<Object>) c.get("args")).contains("--webhook-address=0.0.0.0:9443",
        "--webhook-cert=/etc/baton/webhook-tls/tls.crt", "--webhook-key=/etc/baton/webhook-tls/tls.key",
        "--inject-image=ghcr.io/baton-dev/baton:0.1.0");
    assertThat((Object) get(named(get(c, "volumeMounts"), "webhook-tls"), "mountPath")).isEqualTo("/etc/baton/webhook-tls");
    assertThat((Object) get(named(get(deploy, "spec.template.spec.volumes"), "webhook-tls"), "secret.secretName"))
        .isEqualTo(FULLNAME + "-webhook-tls");
    assertThat((String) Charts.<Map<String, Object>>get(deploy, "spec.template.metadata.annotations").get("checksum/webhook-tls")).hasSize(64);
  }

  @Test
  void certManagerIssuesTheCertificateAndInjectsTheCa() {
    List<Map<String, Object>> docs = Charts.render(BATON, c -> c.set("webhook.tls.source", "certManager")
        .set("webhook.timeoutSeconds", 10).set("inject.image.tag", "0.2.0"));
    assertThat(Charts.kinds(docs)).contains("Issuer/" + FULLNAME + "-selfsigned", "Certificate/" + FULLNAME + "-webhook-ca",
        "Issuer/" + FULLNAME + "-webhook-ca", "Certificate/" + FULLNAME + "-webhook-tls")
        .doesNotContain("Secret/" + FULLNAME + "-webhook-tls");

    Map<String, Object> mwc = find(docs, "MutatingWebhookConfiguration", FULLNAME);
    assertThat((Object) Charts.<Map<String, Object>>get(mwc, "metadata.annotations").get("cert-manager.io/inject-ca-from"))
        .isEqualTo("baton-system/" + FULLNAME + "-webhook-tls");
    assertThat((Map<String, Object>) get(mwc, "webhooks.0.clientConfig")).doesNotContainKey("caBundle");
    assertThat((Object) get(mwc, "webhooks.0.timeoutSeconds")).isEqualTo(10);

    Map<String, Object> cert = find(docs, "Certificate", FULLNAME + "-webhook-tls");
    assertThat((Object) get(cert, "spec.secretName")).isEqualTo(FULLNAME + "-webhook-tls");
    assertThat((List<Object>) get(cert, "spec.dnsNames")).contains(FULLNAME + "-webhook.baton-system.svc");
    assertThat((Object) get(cert, "spec.issuerRef.name")).isEqualTo(FULLNAME + "-webhook-ca");
    assertThat((Object) get(cert, "spec.privateKey.encoding")).isEqualTo("PKCS8");
    assertThat((Object) get(find(docs, "Certificate", FULLNAME + "-webhook-ca"), "spec.isCA")).isEqualTo(true);

    Map<String, Object> deploy = find(docs, "Deployment", FULLNAME);
    assertThat((List<Object>) get(deploy, "spec.template.spec.containers.0.args"))
        .contains("--inject-image=ghcr.io/baton-dev/baton:0.2.0");
    // cert-manager's Secret is not known at render time: no checksum, restart on renewal (README).
    assertThat((Object) get(deploy, "spec.template.metadata.annotations")).isNull();

    List<Map<String, Object>> own = Charts.render(BATON, c -> c.set("webhook.tls.source", "certManager")
        .set("webhook.tls.certManager.issuerRef.name", "internal-ca")
        .set("webhook.tls.certManager.issuerRef.kind", "ClusterIssuer"));
    assertThat(Charts.kinds(own)).noneMatch(k -> k.startsWith("Issuer/")).containsOnlyOnce("Certificate/" + FULLNAME + "-webhook-tls");
    assertThat((Object) get(find(own, "Certificate", FULLNAME + "-webhook-tls"), "spec.issuerRef"))
        .isEqualTo(Map.of("name", "internal-ca", "kind", "ClusterIssuer", "group", "cert-manager.io"));
  }

  @Test
  void theAgentCacheSwitchReachesTheOperatorAsAFlagItTakes() {
    List<Object> defaults = get(find(Charts.render(BATON, c -> c), "Deployment", FULLNAME), "spec.template.spec.containers.0.args");
    assertThat(defaults).noneMatch(a -> a.toString().contains("agent-cache")); // the operator's default: on

    List<Object> off = get(find(Charts.render(BATON, c -> c.set("inject.agentCache", false)), "Deployment", FULLNAME),
        "spec.template.spec.containers.0.args");
    assertThat(off).contains("--no-inject-agent-cache");
    CommandLine operator = new CommandLine(new BatonOperator());
    operator.parseArgs(off.stream().map(Object::toString).toArray(String[]::new));
    assertThat((Boolean) operator.getCommandSpec().findOption("--inject-agent-cache").getValue()).isFalse();

    assertThatThrownBy(() -> Charts.render(BATON, c -> c.set("inject.agentCache", "no")))
        .hasMessageContaining("inject.agentCache");
  }

  @Test
  void thePreStopModeReachesTheOperatorAsAFlagItTakes() {
    for (String mode : List.of("auto", "sleepAction", "exec")) {
      List<Object> args = get(find(Charts.render(BATON, c -> c.set("inject.preStop", mode)), "Deployment", FULLNAME),
          "spec.template.spec.containers.0.args");
      assertThat(args).contains("--inject-prestop=" + mode);
      new CommandLine(new BatonOperator()).parseArgs(args.stream().map(Object::toString).toArray(String[]::new));
    }
    assertThatThrownBy(() -> Charts.render(BATON, c -> c.set("inject.preStop", "nap"))).hasMessageContaining("inject.preStop");
  }

  @Test
  void withOneWatchedNamespaceOnlyItsPodsAreInjected() {
    // The operator reloads pods and may read the token Secret there only: injecting elsewhere makes pods
    // nothing reloads (and the webhook could not check their namespace's token Secret).
    Map<String, Object> hook = get(find(Charts.render(BATON, c -> c.set("operator.watchNamespace", "shop")),
        "MutatingWebhookConfiguration", FULLNAME), "webhooks.0");
    assertThat((List<Object>) get(hook, "namespaceSelector.matchExpressions")).containsExactly(
        Map.of("key", "kubernetes.io/metadata.name", "operator", "In", "values", List.of("shop")),
        Map.of("key", "baton.dev/inject", "operator", "NotIn", "values", List.of("disabled")));
    // A selector of one's own replaces the automatic one.
    Map<String, Object> own = get(find(Charts.render(BATON, c -> c.set("operator.watchNamespace", "shop")
        .set("webhook.namespaceSelector.matchLabels.team", "a")), "MutatingWebhookConfiguration", FULLNAME), "webhooks.0");
    assertThat((Object) get(own, "namespaceSelector")).isEqualTo(Map.of("matchLabels", Map.of("team", "a")));
  }

  @Test
  void disabledLeavesNoWebhookBehind() {
    List<Map<String, Object>> docs = Charts.render(BATON, c -> c.set("webhook.enabled", false));
    assertThat(Charts.kinds(docs)).noneMatch(k -> k.contains("webhook") || k.startsWith("MutatingWebhookConfiguration"));
    Map<String, Object> deploy = find(docs, "Deployment", FULLNAME);
    assertThat((List<Object>) get(deploy, "spec.template.spec.containers.0.args")).noneMatch(a -> a.toString().contains("webhook"));
    assertThat((List<Object>) get(deploy, "spec.template.spec.volumes")).hasSize(1);
  }

  @Test
  void badWebhookValuesAreRefusedBySchema() {
    assertThatThrownBy(() -> Charts.render(BATON, c -> c.set("webhook.tls.source", "vault").set("webhook.timeoutSeconds", 60)))
        .hasMessageContaining("webhook.tls.source").hasMessageContaining("webhook.timeoutSeconds");
  }

  /** A key of a Secret's data: keys with dots do not fit Charts.get's dotted paths. */
  private static String data(Map<String, Object> secret, String key) {
    return (String) Charts.<Map<String, Object>>get(secret, "data").get(key);
  }

  private static X509Certificate x509(String base64Pem) throws Exception {
    return (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(base64Pem)));
  }
}
