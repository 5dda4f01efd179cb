package dev.baton.operator.api;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A rolling reload of the pods of a workload through each pod's baton supervisor: {@code reloads.baton.dev}.
 * The CRD (schema, printer columns, status subresource) is {@code src/main/resources/reloads.baton.dev-v1.yml}.
 */
@Group(Reload.GROUP)
@Version(Reload.VERSION)
@Plural("reloads")
@ShortNames("rl")
public class Reload extends CustomResource<ReloadSpec, ReloadStatus> implements Namespaced {
  private static final long serialVersionUID = 1L;
  public static final String GROUP = "baton.dev";
  public static final String VERSION = "v1alpha1";
  public static final String CRD_NAME = "reloads." + GROUP;

  @Override
  protected ReloadSpec initSpec() {
    return new ReloadSpec();
  }
}
