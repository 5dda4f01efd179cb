package dev.baton.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A workload whose pods are reloaded: Deployment, StatefulSet or DaemonSet in the Reload's namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReloadTarget {
  private String kind;
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
