package dev.baton.helm;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** Renders charts with the real Helm (helm-java) and parses what comes out. */
final class Charts {
  /**
   * The API server Helm's {@code lookup} asks while helm-java renders (its template runs as a dry run that
   * may reach the cluster, unlike the helm CLI's, whose lookup returns nothing): fabric8's mock in
   * expectations mode, serving the discovery of core/v1 and answering 404 for every object a test has not
   * put there with {@link #existing}. Helm reaches it through the kubeconfig at $KUBECONFIG (set by surefire),
   * written here before the first render.
   */
  static final KubernetesMockServer API = startApi();
  /** helm/baton (surefire sets baton.chart; falls back to the module directory for IDE runs). */
  static final Path BATON = Paths.get(System.getProperty("baton.chart", "baton")).toAbsolutePath().normalize();
  static final Path HELM_DIR = BATON.getParent();
  static final Path BATON_INJECT = HELM_DIR.resolve("baton-inject");
  static final Path OPERATOR_RESOURCES = Paths.get(
      System.getProperty("baton.operatorResources", "../operator/src/main/resources")).toAbsolutePath().normalize();

  private Charts() {}

  private static KubernetesMockServer startApi() {
    KubernetesMockServer server = new KubernetesMockServer(false);
    server.init(java.net.InetAddress.getLoopbackAddress(), 0);
    // client-go's discovery asks with its default timeout; the mock matches the whole path, query included.
    var coreV1 = new APIResourceListBuilder().withGroupVersion("v1")
        .addNewResource().withName("secrets").withKind("Secret").withNamespaced(true).withSingularName("secret")
        .withVerbs("get", "list", "watch", "create", "update", "patch", "delete").endResource().build();
    server.expect().get().withPath("/api/v1?timeout=32s").andReturn(200, coreV1).always();
    server.expect().get().withPath("/api/v1").andReturn(200, coreV1).always();
    String kubeconfig = System.getenv("KUBECONFIG");
    if (kubeconfig == null) {
      throw new IllegalStateException("KUBECONFIG is not set: run through Maven (surefire sets it for Helm's lookup)");
    }
    try {
      Files.writeString(Path.of(kubeconfig), """
          apiVersion: v1
          kind: Config
          clusters: [{name: lookup, cluster: {server: "http://%s:%d"}}]
          contexts: [{name: lookup, context: {cluster: lookup, user: lookup}}]
          current-context: lookup
          users: [{name: lookup, user: {token: lookup}}]
          """.formatted(server.getHostName(), server.getPort()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return server;
  }

  /** Makes the API server answer {@code GET} of this Secret with it, as Helm's lookup will read it. */
  static void existing(Secret secret) {
    API.expect().get().withPath("/api/v1/namespaces/" + secret.getMetadata().getNamespace() + "/secrets/"
        + secret.getMetadata().getName()).andReturn(200, secret).always();
  }

  /** {@code helm template release CHART --namespace baton-system} with the given tweaks, parsed. */
  static List<Map<String, Object>> render(Path chart, UnaryOperator<TemplateCommand> tweak) {
    TemplateCommand cmd = new Helm(chart).template().withName("rel").withNamespace("baton-system");
    return parseAll(tweak.apply(cmd).call());
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> parseAll(String yaml) {
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object doc : yaml().loadAll(yaml)) {
      if (doc != null) {
        docs.add((Map<String, Object>) doc);
      }
    }
    return docs;
  }

  static Object load(Path file) {
    try {
      return yaml().load(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Yaml yaml() {
    return new Yaml(new SafeConstructor(new LoaderOptions()));
  }

  static Map<String, Object> find(List<Map<String, Object>> docs, String kind, String name) {
    return docs.stream()
        .filter(d -> kind.equals(d.get("kind")) && name.equals(get(d, "metadata.name")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + kinds(docs)));
  }

  static List<String> kinds(List<Map<String, Object>> docs) {
    return docs.stream().map(d -> d.get("kind") + "/" + get(d, "metadata.name")).toList();
  }

  /** A dotted path into nested maps; a numeric segment indexes a list. Null when absent. */
  @SuppressWarnings("unchecked")
  static <T> T get(Object root, String path) {
    Object cur = root;
    for (String part : path.split("\\.")) {
      if (cur instanceof Map<?, ?> m) {
        cur = m.get(part);
      } else if (cur instanceof List<?> l && part.chars().allMatch(Character::isDigit)) {
        int i = Integer.parseInt(part);
        cur = i < l.size() ? l.get(i) : null;
      } else {
        return null;
      }
    }
    return (T) cur;
  }

  /** The element of a list of maps whose "name" is the given one. */
  static Map<String, Object> named(List<Map<String, Object>> items, String name) {
    Objects.requireNonNull(items, "list is null");
    return items.stream().filter(i -> name.equals(i.get("name"))).findFirst()
        .orElseThrow(() -> new AssertionError("no item named " + name + " in " + items));
  }

  /** Copies a directory tree. */
  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
