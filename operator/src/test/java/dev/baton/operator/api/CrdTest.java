package dev.baton.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The CRD generated from the Java types (crd-generator, at build time) has what the operator and kubectl need,
 * and the Helm chart's copy is that CRD, byte for byte.
 */
class CrdTest {
  static final Path CHART_COPY = Path.of(System.getProperty("baton.root", ".."))
      .resolve("helm/baton/crds/reloads.baton.dev-v1.yml");

  static String generated() throws Exception {
    try (InputStream in = CrdTest.class.getResourceAsStream(Reload.CRD_RESOURCE)) {
      assertThat(in).as(Reload.CRD_RESOURCE + " on the classpath (mvn process-classes generates it)").isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static CustomResourceDefinition crd() throws Exception {
    return Serialization.unmarshal(generated(), CustomResourceDefinition.class);
  }

  private static Set<String> properties(Class<?> type) throws Exception {
    return Arrays.stream(Introspector.getBeanInfo(type, Object.class).getPropertyDescriptors())
        .filter(p -> p.getReadMethod() != null && p.getWriteMethod() != null)
        .map(PropertyDescriptor::getName).collect(Collectors.toSet());
  }

  @Test
  void theHelmChartsCopyIsTheGeneratedCrd() throws Exception {
    Path chart = CHART_COPY.toAbsolutePath().normalize();
    assertThat(Files.readString(chart)).as(chart + " differs from the CRD generated from dev.baton.operator.api: it is"
        + " written by `mvn -pl operator process-classes` (not under CI=true); commit the regenerated copy").isEqualTo(generated());
  }

  @Test
  void hasWhatTheOperatorAndKubectlNeed() throws Exception {
    CustomResourceDefinition crd = crd();
    assertThat(crd.getMetadata().getName()).isEqualTo(HasMetadata.getFullResourceName(Reload.class));
    assertThat(crd.getSpec().getGroup()).isEqualTo(HasMetadata.getGroup(Reload.class));
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo(HasMetadata.getKind(Reload.class));
    assertThat(crd.getSpec().getNames().getPlural()).isEqualTo(HasMetadata.getPlural(Reload.class));
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("rl");
    CustomResourceDefinitionVersion v = crd.getSpec().getVersions().get(0);
    assertThat(v.getName()).isEqualTo(HasMetadata.getVersion(Reload.class));
    assertThat(v.getSubresources().getStatus()).isNotNull();
    assertThat(v.getAdditionalPrinterColumns()).extracting(c -> c.getName())
        .contains("Target", "Phase", "Succeeded", "Failed", "Message", "Age");

    JSONSchemaProps root = v.getSchema().getOpenAPIV3Schema();
    JSONSchemaProps spec = root.getProperties().get("spec");
    JSONSchemaProps status = root.getProperties().get("status");
    assertThat(spec.getProperties().keySet()).isEqualTo(properties(ReloadSpec.class));
    assertThat(spec.getProperties().get("target").getProperties().keySet()).isEqualTo(properties(ReloadTarget.class));
    assertThat(spec.getProperties().get("maxUnavailable").getXKubernetesIntOrString()).isTrue();
    assertThat(spec.getProperties().get("failurePolicy").getDefault().asText()).isEqualTo(ReloadSpec.STOP);
    assertThat(spec.getProperties().get("retry").getProperties().keySet()).isEqualTo(properties(ReloadRetry.class));
    assertThat(status.getProperties().keySet()).isEqualTo(properties(ReloadStatus.class));
    assertThat(status.getProperties().get("pods").getItems().getSchema().getProperties().keySet())
        .isEqualTo(properties(PodResult.class));
  }

  /**
   * A real API server estimates each CEL rule's worst-case cost from the sizes its inputs may have, and refuses
   * the whole CRD when the estimate is over its budget. Unbounded, the selector's rules were: Kubernetes 1.26
   * refused this CRD ("estimated rule cost exceeds budget by factor of more than 100x"), so the chart could not be
   * installed at all, and neither fabric8's mock server nor cel-java (CrdRulesTest) estimates costs. So every
   * string a rule reads has a maxLength (or an enum) and every list above a rule a maxItems, which is what brought
   * the estimate within budget there. (An int-or-string has neither in OpenAPI: its one rule passed as it is.)
   */
  @Test
  void everyInputOfACelRuleIsBounded() throws Exception {
    JSONSchemaProps root = crd().getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
    java.util.List<String> unbounded = new java.util.ArrayList<>();
    checkBounded("", root, false, unbounded);
    assertThat(unbounded).as("inputs of CEL rules without a bound").isEmpty();
  }

  private static void checkBounded(String path, JSONSchemaProps node, boolean underUnboundedList,
      java.util.List<String> unbounded) {
    java.util.List<String> rules = node.getXKubernetesValidations() == null ? java.util.List.of()
        : node.getXKubernetesValidations().stream().map(r -> r.getRule()).toList();
    if (!rules.isEmpty()) {
      if (underUnboundedList) {
        unbounded.add(path + ": rules under a list without maxItems");
      }
      if ("string".equals(node.getType()) && node.getMaxLength() == null && isEmpty(node.getEnum())) {
        unbounded.add(path + ": a string its rules read, without maxLength");
      }
      if (node.getProperties() != null) {
        node.getProperties().forEach((name, p) -> {
          boolean read = rules.stream().anyMatch(r -> r.matches("(?s).*\\bself\\." + name + "\\b.*"));
          if (read && "string".equals(p.getType()) && p.getMaxLength() == null && isEmpty(p.getEnum())) {
            unbounded.add(path + "." + name + ": a string its parent's rules read, without maxLength");
          }
        });
      }
    }
    if (node.getProperties() != null) {
      node.getProperties().forEach((name, p) -> checkBounded(path + "." + name, p, underUnboundedList, unbounded));
    }
    if (node.getItems() != null && node.getItems().getSchema() != null) {
      checkBounded(path + "[]", node.getItems().getSchema(), underUnboundedList || node.getMaxItems() == null, unbounded);
    }
  }

  private static boolean isEmpty(java.util.List<?> list) {
    return list == null || list.isEmpty();
  }
}
