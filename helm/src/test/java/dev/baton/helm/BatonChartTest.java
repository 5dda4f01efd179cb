package dev.baton.helm;

import static dev.baton.helm.Charts.BATON;
import static dev.baton.helm.Charts.find;
import static dev.baton.helm.Charts.get;
import static dev.baton.helm.Charts.named;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.baton.operator.BatonOperator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** helm/baton rendered by the real Helm 3.16 (helm-java): helm-unittest's shape, JUnit's assertions. */
class BatonChartTest {
  private static final String FULLNAME = "rel-baton";

  @Test
  void lintPassesStrict() {
    LintResult result = new Helm(BATON).lint().strict().call();
    assertThat(result.isFailed()).as("lint messages: %s", result.getMessages()).isFalse();
    assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }

  @Test
  void defaultsRenderTheOperatorWithoutOptionalObjects() {
    List<Map<String, Object>> docs = Charts.render(BATON, c -> c);

    assertThat(Charts.kinds(docs)).containsExactlyInAnyOrder(
        "ServiceAccount/" + FULLNAME, "ClusterRole/" + FULLNAME, "ClusterRoleBinding/" + FULLNAME,
        "Service/" + FULLNAME + "-metrics", "Deployment/" + FULLNAME,
        // The pod-injection webhook (WebhookChartTest) with its Helm-generated certificate.
        "Service/" + FULLNAME + "-webhook", "Secret/" + FULLNAME + "-webhook-tls", "MutatingWebhookConfiguration/" + FULLNAME);

    Map<String, Object> deploy = find(docs, "Deployment", FULLNAME);
    assertThat((Object) get(deploy, "metadata.namespace")).isEqualTo("baton-system");
    assertThat((Object) get(deploy, "spec.replicas")).isEqualTo(1);
    Map<String, Object> c = get(deploy, "spec.template.spec.containers.0");
    assertThat((List<Object>) c.get("args")).contains("--no-leader-election", "--metrics-address=0.0.0.0:8080",
        "--token-secret=baton-control-token", "--token-key=token", "--workers=4")
        .doesNotContain("--leader-election", "--reload-on-secrets");
    assertThat(c.get("image")).isEqualTo("ghcr.io/baton-dev/baton-operator:0.1.0");

    // Hardened: non-root, read-only root, no escalation, no capabilities, seccomp RuntimeDefault.
    Map<String, Object> podSc = get(deploy, "spec.template.spec.securityContext");
    assertThat(podSc).containsEntry("runAsNonRoot", true).containsEntry("runAsUser", 10001);
    assertThat((Object) get(podSc, "seccompProfile.type")).isEqualTo("RuntimeDefault");
    Map<String, Object> sc = get(c, "securityContext");
    assertThat(sc).containsEntry("readOnlyRootFilesystem", true).containsEntry("allowPrivilegeEscalation", false)
        .containsEntry("runAsNonRoot", true);
    assertThat((List<Object>) get(sc, "capabilities.drop")).containsExactly("ALL");
    // A writable /tmp for the JVM despite the read-only root.
    assertThat((Object) get(named(get(c, "volumeMounts"), "tmp"), "mountPath")).isEqualTo("/tmp");

    assertThat((Object) get(c, "resources.requests.cpu")).isEqualTo("100m");
    assertThat((Object) get(c, "resources.requests.memory")).isEqualTo("256Mi");
    assertThat((Object) get(c, "resources.limits.memory")).isEqualTo("512Mi");

    // Probes on the operator's /healthz, on the named metrics port.
    assertThat((Object) get(c, "readinessProbe.httpGet.path")).isEqualTo("/healthz");
    assertThat((Object) get(c, "readinessProbe.httpGet.port")).isEqualTo("metrics");
    assertThat((Object) get(c, "livenessProbe.httpGet.path")).isEqualTo("/healthz");
    assertThat((Object) get(named(get(c, "ports"), "metrics"), "containerPort")).isEqualTo(8080);
    assertThat((Object) get(named(get(c, "env"), "POD_NAMESPACE"), "valueFrom.fieldRef.fieldPath"))
        .isEqualTo("metadata.namespace");

    // Labels: every object carries the common ones; the selector picks the pods; the Service selects them too.
    for (Map<String, Object> doc : docs) {
      Map<String, Object> labels = get(doc, "metadata.labels");
      assertThat(labels).as("labels of %s", doc.get("kind"))
          .containsEntry("app.kubernetes.io/name", "baton")
          .containsEntry("app.kubernetes.io/instance", "rel")
          .containsEntry("app.kubernetes.io/managed-by", "Helm")
          .containsEntry("helm.sh/chart", "baton-0.1.0")
          .containsEntry("app.kubernetes.io/version", "0.1.0");
    }
    Map<String, Object> selector = get(deploy, "spec.selector.matchLabels");
    assertThat(selector).containsOnlyKeys("app.kubernetes.io/name", "app.kubernetes.io/instance",
        "app.kubernetes.io/component");
    assertThat((Map<String, Object>) get(deploy, "spec.template.metadata.labels")).containsAllEntriesOf(selector);
    Map<String, Object> svc = find(docs, "Service", FULLNAME + "-metrics");
    assertThat((Map<String, Object>) get(svc, "spec.selector")).isEqualTo(selector);
    assertThat((Object) get(svc, "spec.ports.0.targetPort")).isEqualTo("metrics");

    // The binding ties the role to the chart's ServiceAccount.
    Map<String, Object> binding = find(docs, "ClusterRoleBinding", FULLNAME);
    assertThat((Object) get(binding, "roleRef.name")).isEqualTo(FULLNAME);
    assertThat((Object) get(binding, "subjects.0.name")).isEqualTo(FULLNAME);
    assertThat((Object) get(binding, "subjects.0.namespace")).isEqualTo("baton-system");
    assertThat((Object) get(deploy, "spec.template.spec.serviceAccountName")).isEqualTo(FULLNAME);
  }

  /**
   * The rules the chart grants are the operator's rbac.yaml (what RbacTest saw it call with every feature on),
   * split by feature and scope. Rendering shows the rules; a real API server would additionally enforce them
   * (resourceNames on get, a RoleBinding's subject in another namespace) and refuse a Role in a namespace
   * that does not exist: the mock and Helm's template check none of that.
   */
  @Test
  void rbacIsTheOperatorsRulesSplitByFeatureAndScope() {
    List<Object> operators = get(Charts.load(Charts.OPERATOR_RESOURCES.resolve("rbac.yaml")), "rules");
    Map<String, Object> tokenByName = Map.of("apiGroups", List.of(""), "resources", List.of("secrets"),
        "resourceNames", List.of("baton-control-token"), "verbs", List.of("get"));
    Map<String, Object> allSecrets = Map.of("apiGroups", List.of(""), "resources", List.of("secrets"),
        "verbs", List.of("get", "list", "watch"));
    Map<String, Object> leases = Map.of("apiGroups", List.of("coordination.k8s.io"), "resources", List.of("leases"),
        "verbs", List.of("get", "create", "patch"));
    assertThat(operators).contains(tokenByName, allSecrets, leases);

    // Every feature: the ClusterRole and the Lease's Role together grant exactly rbac.yaml.
    List<Map<String, Object>> all = Charts.render(BATON, c -> c.set("replicaCount", 2).set("operator.reloadOnSecrets", true));
    List<Object> union = new java.util.ArrayList<>(get(find(all, "ClusterRole", FULLNAME), "rules"));
    Map<String, Object> leaseRole = find(all, "Role", FULLNAME + "-leader-election");
    assertThat((Object) get(leaseRole, "metadata.namespace")).isEqualTo("baton-system");
    assertThat((List<Object>) get(leaseRole, "rules")).containsExactly(leases);
    union.addAll(get(leaseRole, "rules"));
    assertThat(new HashSet<>(union)).isEqualTo(new HashSet<>(operators));
    assertThat(union).hasSameSizeAs(operators);
    assertThat((Object) get(find(all, "RoleBinding", FULLNAME + "-leader-election"), "subjects.0"))
        .isEqualTo(Map.of("kind", "ServiceAccount", "name", FULLNAME, "namespace", "baton-system"));

    // Defaults: no Secret but the token's, by name; no Lease with one replica.
    List<Map<String, Object>> defaults = Charts.render(BATON, c -> c);
    List<Object> rules = get(find(defaults, "ClusterRole", FULLNAME), "rules");
    assertThat(rules).contains(tokenByName).doesNotContain(allSecrets, leases);
    assertThat(new HashSet<>(rules)).isEqualTo(without(operators, allSecrets, leases));
    assertThat(Charts.kinds(defaults)).noneMatch(k -> k.startsWith("Role/") || k.startsWith("RoleBinding/"));

    // No token at all: no Secret whatever.
    assertThat((List<Object>) get(find(Charts.render(BATON, c -> c.set("controlToken.secretName", "")), "ClusterRole",
        FULLNAME), "rules")).doesNotContain(tokenByName).noneMatch(r -> r.toString().contains("secrets"));

    // One watched namespace: a Role there, bound to the ServiceAccount in the release namespace; nothing cluster-wide.
    List<Map<String, Object>> one = Charts.render(BATON, c -> c.set("operator.watchNamespace", "shop"));
    assertThat(Charts.kinds(one)).noneMatch(k -> k.startsWith("ClusterRole"));
    Map<String, Object> role = find(one, "Role", FULLNAME);
    assertThat((Object) get(role, "metadata.namespace")).isEqualTo("shop");
    assertThat(new HashSet<>((List<Object>) get(role, "rules"))).isEqualTo(without(operators, allSecrets, leases));
    Map<String, Object> binding = find(one, "RoleBinding", FULLNAME);
    assertThat((Object) get(binding, "metadata.namespace")).isEqualTo("shop");
    assertThat((Object) get(binding, "roleRef")).isEqualTo(Map.of("apiGroup", "rbac.authorization.k8s.io", "kind", "Role",
        "name", FULLNAME));
    assertThat((Object) get(binding, "subjects.0")).isEqualTo(Map.of("kind", "ServiceAccount", "name", FULLNAME,
        "namespace", "baton-system"));
  }

  private static java.util.Set<Object> without(List<Object> rules, Object... left) {
    java.util.Set<Object> out = new HashSet<>(rules);
    List.of(left).forEach(out::remove);
    return out;
  }

  @Test
  void crdIsTheOperatorsGeneratedCrd() throws Exception {
    Object chartCrd = Charts.load(BATON.resolve("crds/reloads.baton.dev-v1.yml"));
    try (java.io.InputStream in = dev.baton.operator.api.Reload.class.getResourceAsStream(dev.baton.operator.api.Reload.CRD_RESOURCE)) {
      assertThat(chartCrd).isEqualTo(new org.yaml.snakeyaml.Yaml().load(in));
    }
  }

  @Test
  void nonDefaultValues() {
    List<Map<String, Object>> docs = Charts.render(BATON, c -> c
        .set("replicaCount", 2)
        .set("metrics.serviceMonitor.enabled", true)
        .set("metrics.serviceMonitor.labels.release", "kube-prometheus-stack")
        .set("podDisruptionBudget.enabled", true)
        .set("resources.requests.cpu", "250m")
        .set("resources.limits.memory", "1Gi")
        .set("controlToken.secretName", "baton-token")
        .set("operator.watchNamespace", "shop")
        .set("image.tag", "0.2.0"));

    Map<String, Object> deploy = find(docs, "Deployment", FULLNAME);
    assertThat((Object) get(deploy, "spec.replicas")).isEqualTo(2);
    Map<String, Object> c = get(deploy, "spec.template.spec.containers.0");
    assertThat((List<Object>) c.get("args")).contains("--leader-election", "--lease-name=baton-operator",
        "--token-secret=baton-token", "--namespace=shop").doesNotContain("--no-leader-election");
    assertThat(c.get("image")).isEqualTo("ghcr.io/baton-dev/baton-operator:0.2.0");
    assertThat((Object) get(c, "resources.requests.cpu")).isEqualTo("250m");
    assertThat((Object) get(c, "resources.requests.memory")).isEqualTo("256Mi");
    assertThat((Object) get(c, "resources.limits.memory")).isEqualTo("1Gi");

    Map<String, Object> sm = find(docs, "ServiceMonitor", FULLNAME);
    assertThat((Object) get(sm, "metadata.labels.release")).isEqualTo("kube-prometheus-stack");
    assertThat((Object) get(sm, "spec.endpoints.0.port")).isEqualTo("metrics");
    assertThat((Object) get(sm, "spec.endpoints.0.path")).isEqualTo("/metrics");
    assertThat((Map<String, Object>) get(sm, "spec.selector.matchLabels"))
        .isEqualTo(get(deploy, "spec.selector.matchLabels"));

    Map<String, Object> pdb = find(docs, "PodDisruptionBudget", FULLNAME);
    assertThat((Object) get(pdb, "spec.minAvailable")).isEqualTo(1);
    assertThat((Map<String, Object>) get(pdb, "spec.selector.matchLabels"))
        .isEqualTo(get(deploy, "spec.selector.matchLabels"));

    Map<String, Object> pdbMax = find(Charts.render(BATON, t -> t.set("podDisruptionBudget.enabled", true)
        .set("podDisruptionBudget.maxUnavailable", 1)), "PodDisruptionBudget", FULLNAME);
    assertThat((Map<String, Object>) get(pdbMax, "spec")).containsEntry("maxUnavailable", 1).doesNotContainKey("minAvailable");
  }

  @Test
  void leaseTimingReachesTheOperatorAsFlagsItTakes() {
    // Defaults: the operator's own, so two replicas behave as the operator documents them.
    List<String> defaults = operatorArgs(Charts.render(BATON, c -> c.set("replicaCount", 2)));
    CommandSpec operator = new CommandLine(new BatonOperator()).getCommandSpec();
    for (String flag : List.of("--lease-duration", "--renew-deadline", "--retry-period")) {
      assertThat(defaults).contains(flag + "=" + operator.findOption(flag).defaultValue());
    }

    List<String> tuned = operatorArgs(Charts.render(BATON, c -> c.set("replicaCount", 3)
        .set("operator.leaseDuration", "1m30s").set("operator.renewDeadline", "20s").set("operator.retryPeriod", "500ms")));
    assertThat(tuned).contains("--leader-election", "--lease-duration=1m30s", "--renew-deadline=20s", "--retry-period=500ms");
    // Every flag the chart renders is one the operator's command line takes (picocli refuses unknown ones).
    new CommandLine(new BatonOperator()).parseArgs(tuned.toArray(String[]::new));

    // One replica: no election, so no Lease flags at all.
    assertThat(operatorArgs(Charts.render(BATON, c -> c.set("operator.leaseDuration", "30s"))))
        .contains("--no-leader-election").noneMatch(a -> a.startsWith("--lease-") || a.startsWith("--renew-")
            || a.startsWith("--retry-"));

    assertThatThrownBy(() -> Charts.render(BATON, c -> c.set("operator.renewDeadline", "10 seconds")))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining("operator.renewDeadline");
  }

  private static List<String> operatorArgs(List<Map<String, Object>> docs) {
    List<Object> args = get(find(docs, "Deployment", FULLNAME), "spec.template.spec.containers.0.args");
    return args.stream().map(String::valueOf).toList();
  }

  @Test
  void rbacAndServiceAccountCanBeLeftOut() {
    List<Map<String, Object>> docs = Charts.render(BATON, c -> c.set("rbac.create", false)
        .set("serviceAccount.create", false).set("serviceAccount.name", "existing").set("metrics.service.enabled", false)
        .set("webhook.enabled", false));
    assertThat(Charts.kinds(docs)).containsExactly("Deployment/" + FULLNAME);
    assertThat((Object) get(docs.get(0), "spec.template.spec.serviceAccountName")).isEqualTo("existing");
  }

  @Test
  void notesPutWarningsFirst() {
    String quiet = notes(new Helm(BATON).install());
    assertThat(quiet).doesNotContain("WARNING").contains("Next steps:").contains("leader election off")
        .contains("The control token Secret baton-control-token must exist", "created it nowhere",
            "kubectl -n NAMESPACE create secret generic baton-control-token --from-literal=token=$(openssl rand -hex 32)");
    assertThat(notes(new Helm(BATON).install().set("controlToken.namespaces[0]", "shop").set("controlToken.namespaces[1]", "pay")))
        .contains("(this release created it in: shop, pay). Elsewhere:");

    String noisy = notes(new Helm(BATON).install().set("podDisruptionBudget.enabled", true)
        .set("metrics.serviceMonitor.enabled", true).set("metrics.service.enabled", false).set("controlToken.secretName", ""));
    assertThat(noisy).contains("WARNING: a PodDisruptionBudget with a single replica",
        "WARNING: metrics.serviceMonitor.enabled is true", "WARNING: controlToken.secretName is empty");
    assertThat(noisy.lastIndexOf("WARNING")).isLessThan(noisy.indexOf("Next steps:"));
  }

  /** A client-only dry-run install (no cluster): the NOTES Helm would print. */
  private static String notes(com.marcnuri.helm.InstallCommand install) {
    String out = install.withName("rel").withNamespace("baton-system").dryRun().clientOnly().call().getOutput();
    assertThat(out).contains("NOTES:");
    return out.substring(out.indexOf("NOTES:"));
  }

  @Test
  void valuesViolatingTheSchemaFailWithAClearError(@TempDir Path tmp) throws IOException {
    Path bad = tmp.resolve("bad-values.yaml");
    Files.writeString(bad, "replicas: 2\nreplicaCount: two\nimage:\n  pullPolicy: Sometimes\n");
    assertThatThrownBy(() -> Charts.render(BATON, c -> c.withValuesFile(bad)))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining("replicas")
        .hasMessageContaining("replicaCount")
        .hasMessageContaining("pullPolicy");
  }

  @Test
  void everyValuesKeyIsDocumentedAndInTheSchema() throws IOException {
    // cert-manager's style: a comment right above every key of values.yaml, down to the free-form maps
    // (resources, securityContext...) whose content is the example itself; every key is in the schema.
    Object schema = Charts.load(BATON.resolve("values.schema.json"));
    List<String> lines = Files.readAllLines(BATON.resolve("values.yaml"));
    java.util.ArrayDeque<String[]> stack = new java.util.ArrayDeque<>(); // {indent, key}
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("^( *)([A-Za-z][A-Za-z0-9]*):.*").matcher(line);
      if (!m.matches()) {
        continue;
      }
      int indent = m.group(1).length();
      while (!stack.isEmpty() && Integer.parseInt(stack.peek()[0]) >= indent) {
        stack.pop();
      }
      Object parent = schema;
      List<String> path = new java.util.ArrayList<>();
      stack.descendingIterator().forEachRemaining(e -> path.add(e[1]));
      for (String key : path) {
        parent = get(parent, "properties." + key);
      }
      stack.push(new String[] {String.valueOf(indent), m.group(2)});
      if (parent == null || get(parent, "properties") == null) {
        continue; // inside a free-form map
      }
      assertThat((Object) get(parent, "properties." + m.group(2)))
          .as("values.yaml key %s.%s is not in values.schema.json", String.join(".", path), m.group(2)).isNotNull();
      assertThat(lines.get(i - 1).trim())
          .as("values.yaml line %d (%s) has no comment above it", i + 1, line).startsWith("#");
    }
  }
}
