package dev.baton.operator.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A workload whose pods are reloaded: Deployment, StatefulSet or DaemonSet in the Reload's namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonClassDescription("A workload in the Reload's namespace whose pods are reloaded.")
@ValidationRule(value = "has(self.kind) && self.kind in ['Deployment', 'StatefulSet', 'DaemonSet']",
    message = "spec.target.kind must be Deployment, StatefulSet or DaemonSet",
    messageExpression = "\"spec.target.kind must be Deployment, StatefulSet or DaemonSet, not '\""
        + " + (has(self.kind) ? self.kind : 'null') + \"'\"")
@ValidationRule(value = "has(self.name) && self.name.trim() != ''", message = "spec.target.name is missing")
public class ReloadTarget {
  @JsonPropertyDescription("Deployment, StatefulSet or DaemonSet.")
  @Size(max = 32)
  private String kind;
  @JsonPropertyDescription("The workload's name.")
  @Size(max = 253) // a DNS subdomain, as Deployment names are
  private String name;

  public ReloadTarget() {}

  public ReloadTarget(String kind, String name) {
    this.kind = kind;
    this.name = name;
  }

  public String getKind() { return kind; }
  public void setKind(String kind) { this.kind = kind; }
  public String getName() { return name; }
  public void setName(String name) { this.name = name; }

  @Override
  public String toString() {
    return kind + "/" + name;
  }
}
