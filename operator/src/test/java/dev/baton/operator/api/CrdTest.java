package dev.baton.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The hand-written CRD agrees with the Java types (names, version, status subresource, every property). */
class CrdTest {
  private static CustomResourceDefinition crd() throws Exception {
    try (InputStream in = CrdTest.class.getResourceAsStream("/reloads.baton.dev-v1.yml")) {
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
  }

  private static Set<String> properties(Class<?> type) throws Exception {
    return Arrays.stream(Introspector.getBeanInfo(type, Object.class).getPropertyDescriptors())
        .filter(p -> p.getReadMethod() != null && p.getWriteMethod() != null)
        .map(PropertyDescriptor::getName).collect(Collectors.toSet());
  }

  @Test
  void matchesTheJavaTypes() throws Exception {
    CustomResourceDefinition crd = crd();
    assertThat(crd.getMetadata().getName()).isEqualTo(HasMetadata.getFullResourceName(Reload.class));
    assertThat(crd.getSpec().getGroup()).isEqualTo(HasMetadata.getGroup(Reload.class));
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo(HasMetadata.getKind(Reload.class));
    assertThat(crd.getSpec().getNames().getPlural()).isEqualTo(HasMetadata.getPlural(Reload.class));
    CustomResourceDefinitionVersion v = crd.getSpec().getVersions().get(0);
    assertThat(v.getName()).isEqualTo(HasMetadata.getVersion(Reload.class));
    assertThat(v.getSubresources().getStatus()).isNotNull();
    assertThat(v.getAdditionalPrinterColumns()).extracting(c -> c.getName())
        .contains("Target", "Phase", "Succeeded", "Failed", "Age");

    JSONSchemaProps root = v.getSchema().getOpenAPIV3Schema();
    JSONSchemaProps spec = root.getProperties().get("spec");
    JSONSchemaProps status = root.getProperties().get("status");
    assertThat(spec.getProperties().keySet()).isEqualTo(properties(ReloadSpec.class));
    assertThat(spec.getProperties().get("target").getProperties().keySet()).isEqualTo(properties(ReloadTarget.class));
    assertThat(spec.getProperties().get("target").getProperties().get("kind").getEnum())
        .extracting(Object::toString).containsExactlyInAnyOrder("\"Deployment\"", "\"StatefulSet\"", "\"DaemonSet\"");
    assertThat(spec.getProperties().get("maxUnavailable").getXKubernetesIntOrString()).isTrue();
    assertThat(spec.getProperties().get("retry").getProperties().keySet()).isEqualTo(properties(ReloadRetry.class));
    assertThat(status.getProperties().keySet()).isEqualTo(properties(ReloadStatus.class));
    assertThat(status.getProperties().get("pods").getItems().getSchema().getProperties().keySet())
        .isEqualTo(properties(PodResult.class));
  }
}
