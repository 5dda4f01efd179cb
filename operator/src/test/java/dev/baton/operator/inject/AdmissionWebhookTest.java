package dev.baton.operator.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.operator.BatonOperator;
import dev.baton.operator.Fixtures;
import dev.baton.testkit.process.Commands;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real HTTPS server with a certificate made by openssl for this test, its key in PKCS#1 as Helm's
 * genSignedCert writes it, answering AdmissionReviews over the JDK's HTTP client; Events go to fabric8's
 * mock API server, which also holds the token Secret and answers {@code GET /version}.
 */
@EnableKubernetesMockClient(crud = true)
class AdmissionWebhookTest {
  static final ObjectMapper JSON = new ObjectMapper();
  KubernetesClient client;
  KubernetesMockServer server;
  ApiServerFacts cluster;

  @TempDir
  static Path tmp;
  static Path cert;
  static Path key;
  AdmissionWebhook webhook;
  HttpClient http;

  @BeforeAll
  static void makeCertificate() throws Exception {
    Path pkcs8 = tmp.resolve("key8.pem");
    cert = tmp.resolve("tls.crt");
    key = tmp.resolve("tls.key");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", pkcs8.toString(), "-out", cert.toString(),
        "-days", "1", "-subj", "/CN=baton-webhook.baton-system.svc",
        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1");
    openssl("rsa", "-in", pkcs8.toString(), "-traditional", "-out", key.toString());
    assertThat(Files.readString(key)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
  }

  @BeforeEach
  void start() throws Exception {
    Fixtures.tokenSecret(client);
    cluster = ApiServerFacts.start(client);
    webhook = AdmissionWebhook.start(new InetSocketAddress("127.0.0.1", 0), cert, key, InjectConfig.defaults(), cluster,
        client);
    http = HttpClient.newBuilder().sslContext(trusting(cert)).connectTimeout(Duration.ofSeconds(10)).build();
  }

  @AfterEach
  void stop() {
    webhook.close();
    cluster.close();
  }

  @Test
  void patchesAnInjectablePod() throws Exception {
    JsonNode pod = JSON.readTree(getClass().getResource("/inject/pod-web.json"));
    JsonNode answer = review("3f0c6d2e-1", pod, false);

    JsonNode response = answer.path("response");
    assertThat(answer.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
    assertThat(answer.path("kind").asText()).isEqualTo("AdmissionReview");
    assertThat(response.path("uid").asText()).isEqualTo("3f0c6d2e-1");
    assertThat(response.path("allowed").asBoolean()).isTrue();
    assertThat(response.path("patchType").asText()).isEqualTo("JSONPatch");
    JsonNode patch = JSON.readTree(Base64.getDecoder().decode(response.path("patch").asText()));
    Pod out = JSON.treeToValue(JsonPatch.apply(patch, pod), Pod.class);
    assertThat(out.getSpec().getContainers().get(0).getCommand()).containsSubsequence("-jar", "/opt/baton/baton.jar",
        "--port=8080", "--control=0.0.0.0:8081", "--", "java", "-jar", "/app/app.jar");
    assertThat(out.getSpec().getInitContainers()).extracting("name").containsExactly("baton-install");
    assertThat(response.has("warnings")).isFalse();
  }

  @Test
  void admitsAPodWithoutCommandUnchangedWithAWarningAndAnEventOnItsReplicaSet() throws Exception {
    ObjectNode pod = (ObjectNode) JSON.readTree(getClass().getResource("/inject/pod-web.json"));
    ((ObjectNode) pod.path("spec").path("containers").get(0)).remove("command");

    // A dry run first: a warning for kubectl, but no Event (the webhook declares sideEffects NoneOnDryRun).
    JsonNode dry = review("3f0c6d2e-2", pod, true).path("response");
    assertThat(dry.path("allowed").asBoolean()).isTrue();
    assertThat(dry.has("patch")).isFalse();
    assertThat(dry.path("warnings").get(0).asText()).contains("container web has no command to wrap");

    JsonNode response = review("3f0c6d2e-3", pod, false).path("response");
    assertThat(response.path("allowed").asBoolean()).isTrue();
    assertThat(response.has("patch")).isFalse();
    assertThat(response.path("warnings")).hasSize(1);

    await().atMost(Duration.ofSeconds(30)).until(() -> !client.v1().events().inNamespace("shop").list().getItems().isEmpty());
    List<Event> events = client.v1().events().inNamespace("shop").list().getItems();
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getReason()).isEqualTo("BatonInjectionSkipped");
      assertThat(e.getInvolvedObject().getKind()).isEqualTo("ReplicaSet");
      assertThat(e.getInvolvedObject().getName()).isEqualTo("web-7d9f8c6b5");
      assertThat(e.getMessage()).contains("has no command to wrap");
    });
  }

  @Test
  void aNamespaceWithoutTheTokenSecretGetsNoBatonButTheCommandToCreateIt() throws Exception {
    JsonNode pod = JSON.readTree(getClass().getResource("/inject/pod-web.json"));
    JsonNode response = review("3f0c6d2e-6", pod, false, "payments").path("response");
    assertThat(response.path("allowed").asBoolean()).isTrue();
    assertThat(response.has("patch")).isFalse();
    assertThat(response.path("warnings").get(0).asText()).isEqualTo("baton: pod admitted without Baton: namespace payments"
        + " has no control token Secret baton-control-token: list payments in the chart's controlToken.namespaces, or:"
        + " kubectl -n payments create secret generic baton-control-token --from-literal=token=$(openssl rand -hex 32)");
    await().atMost(Duration.ofSeconds(30)).until(() -> !client.v1().events().inNamespace("payments").list().getItems().isEmpty());
    assertThat(client.v1().events().inNamespace("payments").list().getItems()).singleElement()
        .satisfies(e -> assertThat(e.getReason()).isEqualTo("BatonInjectionSkipped"));

    // Once the Secret is there, the next pod is injected and mounts it.
    client.secrets().inNamespace("payments").resource(new SecretBuilder().withNewMetadata().withName("baton-control-token")
        .endMetadata().addToData("token", Base64.getEncoder().encodeToString("t0k3n".getBytes())).build()).create();
    JsonNode injected = review("3f0c6d2e-7", pod, false, "payments").path("response");
    Pod out = JSON.treeToValue(JsonPatch.apply(JSON.readTree(Base64.getDecoder().decode(injected.path("patch").asText())), pod),
        Pod.class);
    assertThat(out.getSpec().getVolumes()).extracting("name").contains("baton-token");
  }

  @Test
  void thePreStopPauseFollowsTheApiServersVersion() throws Exception {
    JsonNode pod = JSON.readTree(getClass().getResource("/inject/pod-web.json"));
    // The mock's /version has no major/minor: unknown, so the exec sleep that every version takes.
    assertThat(preStopOf(pod, "u-8").getExec().getCommand()).containsExactly("sleep", "5");

    server.setVersionInfo(new VersionInfo.Builder().withMajor("1").withMinor("31+").withGitVersion("v1.31.4-eks-2").build());
    try (ApiServerFacts v131 = ApiServerFacts.start(client)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> v131.minorVersion() == 31);
      webhook.close();
      webhook = AdmissionWebhook.start(new InetSocketAddress("127.0.0.1", 0), cert, key, InjectConfig.defaults(), v131, client);
      var preStop = preStopOf(pod, "u-9");
      assertThat(preStop.getSleep().getSeconds()).isEqualTo(5L);
      assertThat(preStop.getExec()).isNull();
    }
  }

  private io.fabric8.kubernetes.api.model.LifecycleHandler preStopOf(JsonNode pod, String uid) throws Exception {
    JsonNode response = review(uid, pod, false).path("response");
    JsonNode patch = JSON.readTree(Base64.getDecoder().decode(response.path("patch").asText()));
    return JSON.treeToValue(JsonPatch.apply(patch, pod), Pod.class).getSpec().getContainers().get(0).getLifecycle().getPreStop();
  }

  @Test
  void anInjectedPodsMemoryAndGracePeriodNoticesReachTheClientAndItsReplicaSet() throws Exception {
    ObjectNode pod = (ObjectNode) JSON.readTree(getClass().getResource("/inject/pod-web.json"));
    ((ObjectNode) pod.path("spec")).put("terminationGracePeriodSeconds", 30);
    ((ObjectNode) pod.path("spec").path("containers").get(0).path("resources")).putObject("limits").put("memory", "512Mi");

    JsonNode response = review("3f0c6d2e-10", pod, false).path("response");
    assertThat(response.path("patchType").asText()).isEqualTo("JSONPatch");
    assertThat(response.path("warnings")).extracting(JsonNode::asText).satisfiesExactlyInAnyOrder(
        w -> assertThat(w).startsWith("baton: container web: a reload needs 536Mi but the memory limit is 512Mi"),
        w -> assertThat(w).startsWith("baton: terminationGracePeriodSeconds raised from 30 to 42"));

    await().atMost(Duration.ofSeconds(30)).until(() -> client.v1().events().inNamespace("shop").list().getItems().size() == 2);
    assertThat(client.v1().events().inNamespace("shop").list().getItems())
        .allSatisfy(e -> assertThat(e.getInvolvedObject().getName()).isEqualTo("web-7d9f8c6b5"))
        .extracting("type", "reason").containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("Warning", "BatonMemoryTooSmallForReload"),
            org.assertj.core.groups.Tuple.tuple("Normal", "BatonGracePeriodRaised"));
  }

  @Test
  void answersOtherKindsAllowedAndBadBodiesWithAClearError() throws Exception {
    ObjectNode review = JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
    review.putObject("request").put("uid", "u-4").putObject("kind").put("kind", "ConfigMap");
    JsonNode response = JSON.readTree(post(review.toString()).body()).path("response");
    assertThat(response.path("allowed").asBoolean()).isTrue();
    assertThat(response.has("patch")).isFalse();

    HttpResponse<String> bad = post("not json");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("not JSON");
  }

  @Test
  void theOperatorServesTheWebhookFromItsFlags() throws Exception {
    try (BatonOperator.Running operator = Fixtures.startOperator(client, "--webhook-address=127.0.0.1:0",
        "--webhook-cert=" + cert, "--webhook-key=" + key, "--inject-image=registry.example.com/baton:9")) {
      assertThat(operator.webhookPort()).isPositive();
      Pod out = injectedThrough(operator);
      assertThat(out.getSpec().getInitContainers().get(0).getImage()).isEqualTo("registry.example.com/baton:9");
      assertThat(out.getSpec().getVolumes()).extracting("name").containsExactly("baton", "baton-cache", "baton-token"); // on by default
    }
    // What the chart renders for inject.agentCache=false.
    try (BatonOperator.Running operator = Fixtures.startOperator(client, "--webhook-address=127.0.0.1:0",
        "--webhook-cert=" + cert, "--webhook-key=" + key, "--no-inject-agent-cache")) {
      Pod out = injectedThrough(operator);
      assertThat(out.getSpec().getVolumes()).extracting("name").containsExactly("baton", "baton-token");
      assertThat(out.getSpec().getContainers().get(0).getEnv()).extracting("name", "value")
          .containsExactly(org.assertj.core.groups.Tuple.tuple("JAVA_TOOL_OPTIONS", "-javaagent:/opt/baton/baton-agent.jar"));
    }
  }

  /** The sample pod sent through the operator's webhook, its patch applied. */
  private Pod injectedThrough(BatonOperator.Running operator) throws Exception {
    ObjectNode review = JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
    ObjectNode request = review.putObject("request").put("uid", "u-5").put("namespace", "shop");
    request.putObject("kind").put("kind", "Pod");
    request.set("object", JSON.readTree(getClass().getResource("/inject/pod-web.json")));
    JsonNode response = JSON.readTree(post(operator.webhookPort(), review.toString()).body()).path("response");
    JsonNode patch = JSON.readTree(Base64.getDecoder().decode(response.path("patch").asText()));
    return JSON.treeToValue(JsonPatch.apply(patch, request.get("object")), Pod.class);
  }

  @Test
  void aWebhookAddressWithoutPortIsRefusedInOneLine() {
    assertThatThrownBy(() -> Fixtures.startOperator(client, "--webhook-address=localhost"))
        .hasMessage("--webhook-address=localhost has no port: give HOST:PORT, e.g. 0.0.0.0:9443");
  }

  private JsonNode review(String uid, JsonNode pod, boolean dryRun) throws Exception {
    return review(uid, pod, dryRun, "shop");
  }

  private JsonNode review(String uid, JsonNode pod, boolean dryRun, String namespace) throws Exception {
    ObjectNode review = JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
    ObjectNode request = review.putObject("request").put("uid", uid).put("operation", "CREATE")
        .put("namespace", namespace).put("dryRun", dryRun);
    request.putObject("kind").put("group", "").put("version", "v1").put("kind", "Pod");
    request.set("object", pod);
    HttpResponse<String> response = post(review.toString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    return JSON.readTree(response.body());
  }

  private HttpResponse<String> post(String body) throws Exception {
    return post(webhook.port(), body);
  }

  private HttpResponse<String> post(int port, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + AdmissionWebhook.PATH))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static SSLContext trusting(Path cert) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(cert)) {
      trust.setCertificateEntry("webhook", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  private static void openssl(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Commands.run(Duration.ofSeconds(60), Map.of(), command).ok();
  }
}
