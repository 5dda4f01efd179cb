package dev.baton.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.baton.operator.reconcile.ValidSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The generated CRD refuses at admission what the operator would end as {@code InvalidSpec}, with the
 * operator's words, and stores what the operator runs: every spec below goes through the CRD as an API server
 * would apply it ({@link CrdAdmission}: OpenAPI types, then the CEL rules) and through the operator's own
 * {@link ValidSpec}, and the two must agree. (fabric8's mock API server runs neither OpenAPI nor CEL.)
 */
class CrdRulesTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static CrdAdmission admission;

  /** Specs the operator refuses (name, spec in YAML; null: no spec at all). The twelve come first. */
  private static final String[][] INVALID = {
      {"no spec at all", null},
      {"maxUnavailable 0", "{target: {kind: Deployment, name: web}, maxUnavailable: 0}"},
      {"maxUnavailable -1", "{target: {kind: Deployment, name: web}, maxUnavailable: -1}"},
      {"maxUnavailable 0%", "{target: {kind: Deployment, name: web}, maxUnavailable: '0%'}"},
      {"maxUnavailable 150%", "{target: {kind: Deployment, name: web}, maxUnavailable: '150%'}"},
      {"maxUnavailable half", "{target: {kind: Deployment, name: web}, maxUnavailable: half}"},
      {"maxUnavailable '2'", "{target: {kind: Deployment, name: web}, maxUnavailable: '2'}"},
      {"podTimeout 0s", "{target: {kind: Deployment, name: web}, podTimeout: 0s}"},
      {"podTimeout 0.1ms", "{target: {kind: Deployment, name: web}, podTimeout: 0.1ms}"},
      {"retry.backoff 0s", "{target: {kind: Deployment, name: web}, retry: {limit: 1, backoff: 0s}}"},
      {"blank target name", "{target: {kind: Deployment, name: '  '}}"},
      {"empty selector", "{selector: {}}"},
      // Refused by the hand-written CRD already, with the API server's words then, the operator's now.
      {"empty spec", "{}"},
      {"target and selector", "{target: {kind: Deployment, name: web}, selector: {matchLabels: {app: web}}}"},
      {"kind CronJob", "{target: {kind: CronJob, name: web}}"},
      {"no kind", "{target: {name: web}}"},
      {"no name", "{target: {kind: Deployment}}"},
      {"empty name", "{target: {kind: Deployment, name: ''}}"},
      {"kind and name wrong", "{target: {kind: Job, name: ''}, maxUnavailable: lots, podTimeout: soon}"},
      {"selector with empty matchLabels", "{selector: {matchLabels: {}}}"},
      {"matchExpressions operator Near", "{selector: {matchExpressions: [{key: app, operator: Near, values: [web]}]}}"},
      {"matchExpressions without key", "{selector: {matchExpressions: [{operator: Exists}]}}"},
      {"maxUnavailable 1000%", "{target: {kind: Deployment, name: web}, maxUnavailable: '1000%'}"},
      {"maxUnavailable 25 %", "{target: {kind: Deployment, name: web}, maxUnavailable: '25 %'}"},
      {"podTimeout -5s", "{target: {kind: Deployment, name: web}, podTimeout: -5s}"},
      {"podTimeout soon", "{target: {kind: Deployment, name: web}, podTimeout: soon}"},
      {"podTimeout 10 (no unit)", "{target: {kind: Deployment, name: web}, podTimeout: '10'}"},
      {"podTimeout 1us", "{target: {kind: Deployment, name: web}, podTimeout: 1us}"},
      {"podTimeout 0.5ms", "{target: {kind: Deployment, name: web}, podTimeout: 0.5ms}"},
      {"podTimeout 5 m", "{target: {kind: Deployment, name: web}, podTimeout: 5 m}"},
      {"failurePolicy Retry", "{target: {kind: Deployment, name: web}, failurePolicy: Retry}"},
      {"failurePolicy empty", "{target: {kind: Deployment, name: web}, failurePolicy: ''}"},
      {"retry.limit -1", "{target: {kind: Deployment, name: web}, retry: {limit: -1}}"},
      {"retry.limit 11", "{target: {kind: Deployment, name: web}, retry: {limit: 11}}"},
      {"retry.backoff soon", "{target: {kind: Deployment, name: web}, retry: {backoff: soon}}"},
      // Past Go's range (an int64 of nanoseconds, about 2562047h). On a real API server duration() fails on it:
      // refused too, with CEL's error instead of these words.
      {"podTimeout 3000000h", "{target: {kind: Deployment, name: web}, podTimeout: 3000000h}"},
  };

  /** Specs the operator runs: the API server must store them. */
  private static final String[][] VALID = {
      {"a Deployment", "{target: {kind: Deployment, name: web}}"},
      {"a StatefulSet", "{target: {kind: StatefulSet, name: db}}"},
      {"a DaemonSet", "{target: {kind: DaemonSet, name: agent}}"},
      {"matchLabels", "{selector: {matchLabels: {app: web}}}"},
      {"matchExpressions", "{selector: {matchExpressions: [{key: tier, operator: In, values: [web, api]},"
          + " {key: canary, operator: DoesNotExist}]}}"},
      {"maxUnavailable 1", "{target: {kind: Deployment, name: web}, maxUnavailable: 1}"},
      {"maxUnavailable 3", "{target: {kind: Deployment, name: web}, maxUnavailable: 3}"},
      {"maxUnavailable 25%", "{target: {kind: Deployment, name: web}, maxUnavailable: '25%'}"},
      {"maxUnavailable 1%", "{target: {kind: Deployment, name: web}, maxUnavailable: '1%'}"},
      {"maxUnavailable 100%", "{target: {kind: Deployment, name: web}, maxUnavailable: '100%'}"},
      {"maxUnavailable 007%", "{target: {kind: Deployment, name: web}, maxUnavailable: '007%'}"},
      {"maxUnavailable ' 25% '", "{target: {kind: Deployment, name: web}, maxUnavailable: ' 25% '}"},
      {"podTimeout 90s", "{target: {kind: Deployment, name: web}, podTimeout: 90s}"},
      {"podTimeout 1m30s", "{target: {kind: Deployment, name: web}, podTimeout: 1m30s}"},
      {"podTimeout 1.5s", "{target: {kind: Deployment, name: web}, podTimeout: 1.5s}"},
      {"podTimeout 1ms", "{target: {kind: Deployment, name: web}, podTimeout: 1ms}"},
      {"podTimeout 2h", "{target: {kind: Deployment, name: web}, podTimeout: 2h}"},
      {"podTimeout ' 90s'", "{target: {kind: Deployment, name: web}, podTimeout: ' 90s'}"},
      {"everything", "{target: {kind: Deployment, name: web}, maxUnavailable: '50%', podTimeout: 10m,"
          + " failurePolicy: Continue, retry: {limit: 10, backoff: 1h}}"},
      {"retry limit 0, no backoff", "{target: {kind: Deployment, name: web}, retry: {limit: 0}}"},
      {"failurePolicy Stop", "{target: {kind: Deployment, name: web}, failurePolicy: Stop}"},
  };

  /** Wrong JSON types: the OpenAPI schema refuses them (the operator could not even read them). */
  private static final String[][] MISTYPED = {
      {"maxUnavailable true", "{target: {kind: Deployment, name: web}, maxUnavailable: true}"},
      {"maxUnavailable 1.5", "{target: {kind: Deployment, name: web}, maxUnavailable: 1.5}"},
      {"retry.limit '3'", "{target: {kind: Deployment, name: web}, retry: {limit: '3'}}"},
      {"target a string", "{target: web}"},
      {"matchLabels a list", "{selector: {matchLabels: [app]}}"},
  };

  @BeforeAll
  static void loadTheCrd() throws Exception {
    // -Dbaton.crdUnderTest=FILE runs the cases against another CRD (e.g. the hand-written one this replaced).
    String other = System.getProperty("baton.crdUnderTest");
    JsonNode crd = YAML.readTree(other != null ? Files.readString(Path.of(other)) : CrdTest.generated());
    admission = new CrdAdmission(crd.at("/spec/versions/0/schema/openAPIV3Schema"));
  }

  @Test
  void theCrdRefusesWhatTheOperatorRefusesWithItsWords() throws Exception {
    List<String> disagreements = new ArrayList<>();
    for (String[] c : INVALID) {
      List<String> operator = operatorErrors(c[1]);
      List<String> crd = admission.refusals(reload(c[1]));
      assertThat(operator).as("the operator refuses " + c[0]).isNotEmpty();
      if (!new HashSet<>(crd).equals(new HashSet<>(operator))) {
        disagreements.add(c[0] + ":\n    operator: " + operator + "\n    CRD:      " + (crd.isEmpty() ? "stored" : crd));
      }
    }
    assertThat(disagreements).as("specs where the CRD and the operator disagree").isEmpty();
  }

  @Test
  void theCrdStoresWhatTheOperatorRuns() throws Exception {
    for (String[] c : VALID) {
      assertThat(operatorErrors(c[1])).as("the operator runs " + c[0]).isEmpty();
      assertThat(admission.refusals(reload(c[1]))).as("the CRD stores " + c[0]).isEmpty();
    }
  }

  @Test
  void theOpenApiSchemaRefusesWrongTypesBeforeAnyRule() throws Exception {
    for (String[] c : MISTYPED) {
      assertThat(admission.refusals(reload(c[1]))).as("the CRD refuses " + c[0])
          .isNotEmpty().allSatisfy(m -> assertThat(m).startsWith("/spec"));
    }
  }

  @Test
  void everyRuleOfTheCrdRefusesOneOfTheseSpecs() throws Exception {
    List<String> refusals = new ArrayList<>();
    for (String[] c : INVALID) {
      refusals.addAll(admission.refusals(reload(c[1])));
    }
    assertThat(admission.ruleMessages()).hasSize(14)
        .allSatisfy(m -> assertThat(refusals).as("refusals").anySatisfy(r -> assertThat(r).startsWith(m)));
  }

  private static List<String> operatorErrors(String specYaml) throws Exception {
    ReloadSpec spec = specYaml == null ? null : YAML.readValue(specYaml, ReloadSpec.class);
    return ValidSpec.validate(spec).errors();
  }

  private static JsonNode reload(String specYaml) throws Exception {
    ObjectNode r = (ObjectNode) YAML.readTree("{apiVersion: baton.dev/v1alpha1, kind: Reload,"
        + " metadata: {name: web-1, namespace: shop}}");
    if (specYaml != null) {
      r.set("spec", YAML.readTree(specYaml));
    }
    return r;
  }
}
