package dev.baton.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/**
 * The CRD schema of {@code spec.selector} (a {@code LabelSelector}; only its schema comes from here, through
 * {@code @SchemaFrom}), with the operator's checks on each of its {@code matchExpressions}.
 */
final class SelectorSchema {
  @JsonPropertyDescription("Labels a pod must have, all of them.")
  public Map<String, String> matchLabels;
  @JsonPropertyDescription("Set-based requirements a pod's labels must meet, all of them (at most 32).")
  @Size(max = 32) // bounds the CEL rules' cost below (ReloadSpec: the API server's budget)
  public List<Requirement> matchExpressions;

  private SelectorSchema() {}

  @ValidationRule(value = "has(self.key) && self.key.trim() != ''", message = "spec.selector.matchExpressions: a key is missing")
  @ValidationRule(value = "has(self.operator) && self.operator in ['In', 'NotIn', 'Exists', 'DoesNotExist']",
      message = "spec.selector.matchExpressions: operator must be In, NotIn, Exists or DoesNotExist",
      messageExpression = "\"spec.selector.matchExpressions: operator must be In, NotIn, Exists or DoesNotExist, not '\""
          + " + (has(self.operator) ? self.operator : 'null') + \"'\"")
  static final class Requirement {
    @JsonPropertyDescription("The label's name.")
    @Size(max = 317) // a label key: a 253-character prefix, "/", a 63-character name
    public String key;
    @JsonPropertyDescription("In, NotIn, Exists or DoesNotExist.")
    @Size(max = 32)
    public String operator;
    @JsonPropertyDescription("The values for In and NotIn.")
    public List<String> values;

    private Requirement() {}
  }
}
