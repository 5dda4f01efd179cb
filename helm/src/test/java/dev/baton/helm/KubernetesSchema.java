package dev.baton.helm;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks rendered objects against the Kubernetes API types, offline.
 *
 * <p>Why this source of schemas: the machine (and CI) reach only Maven Central and npm, and neither
 * carries the upstream OpenAPI/JSON schemas in a form that resolves offline (kubeconform's schema
 * repository is on GitHub, and the OpenAPI document is served by a live API server). fabric8's typed
 * model is generated from that same OpenAPI document and is on Maven Central, so an object is read
 * into its typed class: Jackson fails on a wrong type (scalar coercion off: "5" is not an int), and
 * every property the type does not define, which fabric8 would quietly keep in
 * {@code additionalProperties}, is reported with its path. Kinds without a class in fabric8's model
 * (cert-manager's Certificate/Issuer, Prometheus' ServiceMonitor) are reported as unchecked: their
 * CRD schemas are not on Maven Central either.
 */
final class KubernetesSchema {
  private static final KubernetesSerialization STRICT = new KubernetesSerialization(JsonMapper.builder()
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
      .build(), true);

  private KubernetesSchema() {}

  /** The problems of one object ("Kind/name: path: problem"), empty when it matches its type. */
  static List<String> problems(Map<String, Object> object) {
    String id = object.get("kind") + "/" + Charts.get(object, "metadata.name");
    HasMetadata typed;
    try {
      typed = STRICT.unmarshal(STRICT.asJson(object), HasMetadata.class);
    } catch (RuntimeException e) {
      return List.of(id + ": " + rootMessage(e));
    }
    if (typed instanceof GenericKubernetesResource) {
      throw new IllegalArgumentException(id + " (" + object.get("apiVersion") + ") has no type in fabric8's model: list it as unchecked");
    }
    List<String> problems = new ArrayList<>();
    walk(typed, id + ":", problems, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
    return problems;
  }

  private static void walk(Object value, String path, List<String> problems, Set<Object> seen) {
    if (value == null || !value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model") || !seen.add(value)) {
      if (value instanceof List<?> list) {
        for (int i = 0; i < list.size(); i++) {
          walk(list.get(i), path + "[" + i + "]", problems, seen);
        }
      } else if (value instanceof Map<?, ?> map) {
        map.forEach((k, v) -> walk(v, path + "." + k, problems, seen));
      }
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      String name = getter.getName();
      if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers()) || name.equals("getClass")
          || !(name.startsWith("get") || name.startsWith("is")) || name.equals("getAdditionalProperties")
          || getter.getDeclaringClass().getName().startsWith("java.")) {
        continue;
      }
      try {
        walk(getter.invoke(value), path + "." + property(name), problems, seen);
      } catch (ReflectiveOperationException e) {
        problems.add(path + "." + property(name) + ": " + e);
      }
    }
    try {
      Object extra = value.getClass().getMethod("getAdditionalProperties").invoke(value);
      if (extra instanceof Map<?, ?> unknown && !unknown.isEmpty()) {
        problems.add(path + " " + value.getClass().getSimpleName() + " has no field " + unknown.keySet());
      }
    } catch (NoSuchMethodException e) {
      // a type without additionalProperties: Jackson already refused unknown fields
    } catch (ReflectiveOperationException e) {
      problems.add(path + ": " + e);
    }
  }

  private static String property(String getter) {
    String p = getter.startsWith("is") ? getter.substring(2) : getter.substring(3);
    return p.isEmpty() ? p : Character.toLowerCase(p.charAt(0)) + p.substring(1);
  }

  private static String rootMessage(Throwable e) {
    while (e.getCause() != null) {
      e = e.getCause();
    }
    String m = e.getMessage();
    return m == null ? e.toString() : m.lines().findFirst().orElse(m);
  }
}
