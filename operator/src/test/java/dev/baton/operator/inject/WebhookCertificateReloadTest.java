package dev.baton.operator.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.testkit.process.Commands;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real HTTPS webhook serving a Secret volume laid out as kubelet writes it ({@code tls.crt ->
 * ..data/tls.crt}, {@code ..data -> ..2026_…}), whose certificates openssl signs with one CA; the
 * volume is updated the way kubelet does it (a new directory, then an atomic rename of a new
 * {@code ..data} symlink over the old one, then the old directory removed).
 */
@EnableKubernetesMockClient(crud = true)
class WebhookCertificateReloadTest {
  static final ObjectMapper JSON = new ObjectMapper();
  KubernetesClient client;

  @TempDir
  static Path pki;
  static Path ca;
  @TempDir
  Path volume;
  int rotations;
  Leaf first;
  AdmissionWebhook webhook;

  @BeforeAll
  static void makeCa() throws Exception {
    ca = pki.resolve("ca.crt");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", pki.resolve("ca.key").toString(),
        "-out", ca.toString(), "-days", "1", "-subj", "/CN=baton-test-ca");
    Files.writeString(pki.resolve("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  }

  @BeforeEach
  void start() throws Exception {
    // Helm's genSignedCert: RSA, the key in PKCS#1.
    first = leaf("webhook-1", 0x1001, false);
    rotate(first.cert, first.key);
    Files.createSymbolicLink(volume.resolve("tls.crt"), Path.of("..data/tls.crt"));
    Files.createSymbolicLink(volume.resolve("tls.key"), Path.of("..data/tls.key"));
    webhook = AdmissionWebhook.start(new InetSocketAddress("127.0.0.1", 0), volume.resolve("tls.crt"),
        volume.resolve("tls.key"), InjectConfig.defaults(), ClusterFacts.assumed(31), client);
  }

  @AfterEach
  void stop() {
    webhook.close();
  }

  @Test
  void aRenewedCertificateServesNewConnectionsAndABrokenOneKeepsThePreviousServing() throws Exception {
    assertThat(served().getSerialNumber()).isEqualTo(BigInteger.valueOf(0x1001));
    assertAdmits();

    // cert-manager's renewal: another key (EC, PKCS#8), another serial.
    Leaf renewed = leaf("webhook-2", 0x1002, true);
    rotate(renewed.cert, renewed.key);
    X509Certificate now = served();
    assertThat(now.getSerialNumber()).isEqualTo(BigInteger.valueOf(0x1002));
    assertThat(now.getSubjectX500Principal().getName()).isEqualTo("CN=webhook-2");
    assertThat(now.getPublicKey().getAlgorithm()).isEqualTo("EC");
    assertAdmits();

    // Keys that are not the certificate's (another RSA key; an EC key for an RSA certificate), then a
    // certificate cut off half-way: the renewed one still serves.
    Leaf third = leaf("webhook-3", 0x1003, false);
    rotate(third.cert, first.key);
    assertThat(served().getSerialNumber()).isEqualTo(BigInteger.valueOf(0x1002));
    assertAdmits();
    rotate(third.cert, renewed.key);
    assertThat(served().getSerialNumber()).isEqualTo(BigInteger.valueOf(0x1002));
    String pem = Files.readString(third.cert);
    rotate(pem.substring(0, pem.length() / 2), third.key);
    assertThat(served().getSerialNumber()).isEqualTo(BigInteger.valueOf(0x1002));
    assertAdmits();

    // A good pair after the broken ones is taken.
    rotate(third.cert, third.key);
    assertThat(served().getSerialNumber()).isEqualTo(BigInteger.valueOf(0x1003));
    assertAdmits();
  }

  @Test
  void aCertificateRewrittenInPlaceIsTakenToo() throws Exception {
    // Not kubelet's way, but a hostPath or an edited file: the modification time or size changes.
    Leaf renewed = leaf("webhook-4", 0x1004, false);
    Path data = volume.resolve("..data");
    Files.copy(renewed.key, data.resolve("tls.key"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(renewed.cert, data.resolve("tls.crt"), StandardCopyOption.REPLACE_EXISTING);
    assertThat(served().getSerialNumber()).isEqualTo(BigInteger.valueOf(0x1004));
    assertAdmits();
  }

  private record Leaf(Path cert, Path key) {}

  private static Leaf leaf(String name, long serial, boolean ec) throws Exception {
    Path key = pki.resolve(name + ".key");
    Path csr = pki.resolve(name + ".csr");
    Path cert = pki.resolve(name + ".crt");
    if (ec) {
      openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
          key.toString(), "-out", csr.toString(), "-subj", "/CN=" + name);
      assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
    } else {
      Path pkcs8 = pki.resolve(name + ".key8");
      openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", pkcs8.toString(), "-out", csr.toString(),
          "-subj", "/CN=" + name);
      openssl("rsa", "-in", pkcs8.toString(), "-traditional", "-out", key.toString());
      assertThat(Files.readString(key)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    }
    openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", pki.resolve("ca.key").toString(),
        "-set_serial", String.valueOf(serial), "-days", "1", "-extfile", pki.resolve("san.ext").toString(),
        "-out", cert.toString());
    return new Leaf(cert, key);
  }

  private void rotate(Path cert, Path key) throws Exception {
    rotate(Files.readString(cert), key);
  }

  /** kubelet's AtomicWriter: a new timestamped directory, a new ..data symlink renamed over the old one. */
  private void rotate(String certPem, Path key) throws Exception {
    Path dir = volume.resolve("..2026_11_25_07_00_0" + (++rotations));
    Files.createDirectory(dir);
    Files.writeString(dir.resolve("tls.crt"), certPem);
    Files.copy(key, dir.resolve("tls.key"));
    Path data = volume.resolve("..data");
    Path old = Files.isSymbolicLink(data) ? volume.resolve(Files.readSymbolicLink(data)) : null;
    Path tmp = Files.createSymbolicLink(volume.resolve("..data_tmp"), dir.getFileName());
    Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE);
    if (old != null) {
      for (Path f : List.of(old.resolve("tls.crt"), old.resolve("tls.key"), old)) {
        Files.delete(f);
      }
    }
  }

  /** The certificate a new TLS connection gets (a fresh client context: no session resumption). */
  private X509Certificate served() throws Exception {
    try (SSLSocket socket = (SSLSocket) trustingCa().getSocketFactory().createSocket("127.0.0.1", webhook.port())) {
      socket.setSoTimeout(30_000);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  /** An AdmissionReview over a new HTTPS client (host name checked against the certificate) gets a patch. */
  private void assertAdmits() throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(trustingCa()).connectTimeout(Duration.ofSeconds(10)).build();
    ObjectNode review = JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
    ObjectNode request = review.putObject("request").put("uid", "u-" + rotations).put("namespace", "shop");
    request.putObject("kind").put("kind", "Pod");
    request.set("object", JSON.readTree(getClass().getResource("/inject/pod-web.json")));
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
            URI.create("https://localhost:" + webhook.port() + AdmissionWebhook.PATH))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(review.toString())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode answer = JSON.readTree(response.body()).path("response");
    assertThat(answer.path("uid").asText()).isEqualTo("u-" + rotations);
    assertThat(answer.path("patchType").asText()).isEqualTo("JSONPatch");
  }

  private static SSLContext trustingCa() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(ca)) {
      trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  private static void openssl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Commands.run(Duration.ofSeconds(60), Map.of(), command).ok();
  }
}
