package dev.baton.helm;

import com.marcnuri.helm.Helm;
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
  /** helm/baton (surefire sets baton.chart; falls back to the module directory for IDE runs). */
  static final Path BATON = Paths.get(System.getProperty("baton.chart", "baton")).toAbsolutePath().normalize();
  static final Path HELM_DIR = BATON.getParent();
  static final Path BATON_INJECT = HELM_DIR.resolve("baton-inject");
  static final Path OPERATOR_RESOURCES = Paths.get(
      System.getProperty("baton.operatorResources", "../operator/src/main/resources")).toAbsolutePath().normalize();

  private Charts() {}

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
