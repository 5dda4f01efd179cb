package dev.baton.operator.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A rolling reload of the pods of a workload through each pod's baton supervisor: {@code reloads.baton.dev}.
 * The CRD (schema, validation rules, printer columns, status subresource) is generated from these types by
 * fabric8's crd-generator at build time: {@code META-INF/fabric8/reloads.baton.dev-v1.yml} in the jar, and
 * the Helm chart's {@code crds/} copy, which {@code CrdTest} keeps equal to it.
 */
@Group(Reload.GROUP)
@Version(Reload.VERSION)
@Plural("reloads")
@ShortNames("rl")
@JsonClassDescription("A rolling reload of the pods of a workload through each pod's baton supervisor.")
@ValidationRule(value = "has(self.spec)", message = "spec is missing: set spec.target or spec.selector")
@AdditionalPrinterColumn(name = "Target", jsonPath = ".spec.target.name")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Total", jsonPath = ".status.total", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Succeeded", jsonPath = ".status.succeeded", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Failed", jsonPath = ".status.failed", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.conditions[?(@.type==\"Ready\")].message", priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class Reload extends CustomResource<ReloadSpec, ReloadStatus> implements Namespaced {
  private static final long serialVersionUID = 1L;
  public static final String GROUP = "baton.dev";
  public static final String VERSION = "v1alpha1";
  public static final String CRD_NAME = "reloads." + GROUP;
  /** Where the generated CRD is on the classpath (this jar). */
  public static final String CRD_RESOURCE = "/META-INF/fabric8/" + CRD_NAME + "-v1.yml";

  @Override
  protected ReloadSpec initSpec() {
    return new ReloadSpec();
  }
}
