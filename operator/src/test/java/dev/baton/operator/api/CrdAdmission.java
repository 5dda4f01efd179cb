package dev.baton.operator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.navigation.CelNavigableExpr;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a Kubernetes API server does with a custom resource at admission, as far as the CRD says: prune unknown
 * fields, apply defaults, check the OpenAPI schema's types (a JSON Schema validator, draft 4, the base of
 * OpenAPI 3.0's schemas), and, only when those pass (the API server skips CEL on type errors), evaluate every
 * {@code x-kubernetes-validations} rule with Google's cel-java, {@code self} being the value at the rule's node,
 * present values only. The result is the list of messages an API server would refuse the object with.
 *
 * <p>The CEL environment is Kubernetes' base one as far as these rules need it: the standard library
 * ({@code has}, {@code size}, {@code in}, {@code matches} (RE2), {@code type}, {@code string()},
 * {@code duration()}), and the strings extension ({@code trim}). {@code self} is typed from the schema
 * (object: {@code map(string, dyn)}, string, int, int-or-string: {@code dyn}, array: {@code list(dyn)}), and a
 * field of {@code self} that the schema does not have is a compile error, as on an API server. Not modelled:
 * Kubernetes' own libraries ({@code quantity}, {@code isURL}/{@code url}, {@code ip}/{@code cidr},
 * {@code authz}, {@code semver}, the regex {@code find}/{@code findAll} and lists extensions), transition
 * rules ({@code oldSelf}, {@code optionalOldSelf}), the {@code reason} and {@code fieldPath} fields, the
 * estimated and runtime cost limits, and the metadata restrictions at the root (only name and generateName).
 */
final class CrdAdmission {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CelRuntime RUNTIME =
      CelRuntimeFactory.standardCelRuntimeBuilder().addLibraries(CelExtensions.strings()).build();

  private final JsonNode openApi;
  private final Schema types;
  /** Every rule of the CRD, compiled, by the JSON pointer of its schema node. */
  private final Map<String, List<Rule>> rules = new LinkedHashMap<>();

  private record Rule(String source, CelRuntime.Program check, CelRuntime.Program messageExpression, String message) {}

  CrdAdmission(JsonNode openApiV3Schema) {
    this.openApi = openApiV3Schema;
    this.types = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
        .getSchema(jsonSchema(openApiV3Schema).toString(), InputFormat.JSON);
    compileRules(openApiV3Schema, "");
  }

  /** The messages the API server would refuse {@code object} with; empty: it would store it. */
  List<String> refusals(JsonNode object) {
    JsonNode admitted = withDefaults(prune(object.deepCopy(), openApi, true), openApi);
    List<String> refused = new ArrayList<>();
    for (Error e : types.validate(admitted)) {
      refused.add(e.getInstanceLocation() + ": " + e.getMessage());
    }
    if (refused.isEmpty()) {
      evaluate(admitted, openApi, "", refused);
    }
    return refused;
  }

  /** Every rule's static message (a messageExpression's result begins with it here). */
  List<String> ruleMessages() {
    return rules.values().stream().flatMap(List::stream).map(Rule::message).toList();
  }

  private void evaluate(JsonNode value, JsonNode schema, String pointer, List<String> refused) {
    for (Rule rule : rules.getOrDefault(pointer, List.of())) {
      Object self = celValue(value);
      try {
        Object ok = rule.check().eval(Map.of("self", self));
        if (!Boolean.TRUE.equals(ok)) {
          refused.add(message(rule, self));
        }
      } catch (CelEvaluationException e) {
        refused.add("rule " + rule.source() + " failed to evaluate: " + e.getMessage());
      }
    }
    if (value.isObject() && schema.has("properties")) {
      schema.get("properties").fields().forEachRemaining(p -> {
        if (value.has(p.getKey()) && !value.get(p.getKey()).isNull()) {
          evaluate(value.get(p.getKey()), p.getValue(), pointer + "/properties/" + p.getKey(), refused);
        }
      });
    } else if (value.isObject() && schema.has("additionalProperties") && schema.get("additionalProperties").isObject()) {
      value.fields().forEachRemaining(f -> evaluate(f.getValue(), schema.get("additionalProperties"),
          pointer + "/additionalProperties", refused));
    } else if (value.isArray() && schema.has("items")) {
      value.forEach(item -> evaluate(item, schema.get("items"), pointer + "/items", refused));
    }
  }

  /** The rule's messageExpression if it has one that evaluates to a string, else its message (as Kubernetes does). */
  private static String message(Rule rule, Object self) {
    if (rule.messageExpression() != null) {
      try {
        Object m = rule.messageExpression().eval(Map.of("self", self));
        if (m instanceof String s && !s.isBlank()) {
          return s;
        }
      } catch (CelEvaluationException e) {
        // falls back to message, as an API server does
      }
    }
    return rule.message() != null ? rule.message() : "failed rule: " + rule.source();
  }

  private void compileRules(JsonNode schema, String pointer) {
    if (schema.has("x-kubernetes-validations")) {
      CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addLibraries(CelExtensions.strings())
          .addVar("self", celType(schema))
          .build();
      List<Rule> compiled = new ArrayList<>();
      for (JsonNode r : schema.get("x-kubernetes-validations")) {
        String source = r.get("rule").asText();
        CelAbstractSyntaxTree check = compile(compiler, source, pointer);
        checkFieldsExist(check, schema, source, pointer);
        CelRuntime.Program messageExpression = null;
        if (r.has("messageExpression")) {
          CelAbstractSyntaxTree m = compile(compiler, r.get("messageExpression").asText(), pointer);
          if (!m.getResultType().equals(SimpleType.STRING)) {
            throw new IllegalArgumentException(pointer + ": messageExpression must be a string: " + r.get("messageExpression"));
          }
          messageExpression = program(m);
        }
        compiled.add(new Rule(source, program(check), messageExpression, r.has("message") ? r.get("message").asText() : null));
      }
      rules.put(pointer, compiled);
    }
    if (schema.has("properties")) {
      schema.get("properties").fields().forEachRemaining(p -> compileRules(p.getValue(), pointer + "/properties/" + p.getKey()));
    }
    if (schema.has("additionalProperties") && schema.get("additionalProperties").isObject()) {
      compileRules(schema.get("additionalProperties"), pointer + "/additionalProperties");
    }
    if (schema.has("items")) {
      compileRules(schema.get("items"), pointer + "/items");
    }
  }

  private static CelAbstractSyntaxTree compile(CelCompiler compiler, String source, String pointer) {
    try {
      return compiler.compile(source).getAst();
    } catch (CelValidationException e) {
      throw new IllegalArgumentException("the rule at " + pointer + " does not compile: " + e.getMessage(), e);
    }
  }

  private static CelRuntime.Program program(CelAbstractSyntaxTree ast) {
    try {
      return RUNTIME.createProgram(ast);
    } catch (CelEvaluationException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** {@code self.x} (in a select or a has()) must be a property of the schema, as the API server's typed check demands. */
  private static void checkFieldsExist(CelAbstractSyntaxTree ast, JsonNode schema, String source, String pointer) {
    if (!schema.has("properties")) {
      return;
    }
    CelNavigableAst.fromAst(ast).getRoot().allNodes().map(CelNavigableExpr::expr)
        .filter(e -> e.exprKind().getKind() == CelExpr.ExprKind.Kind.SELECT)
        .map(CelExpr::select)
        .filter(s -> s.operand().exprKind().getKind() == CelExpr.ExprKind.Kind.IDENT
            && s.operand().ident().name().equals("self"))
        .forEach(s -> {
          if (!schema.get("properties").has(s.field())) {
            throw new IllegalArgumentException("the rule at " + pointer + " names self." + s.field()
                + ", which the schema does not have: " + source);
          }
        });
  }

  private static CelType celType(JsonNode schema) {
    if (schema.path("x-kubernetes-int-or-string").asBoolean()) {
      return SimpleType.DYN;
    }
    return switch (schema.path("type").asText()) {
      case "object" -> MapType.create(SimpleType.STRING, SimpleType.DYN);
      case "array" -> ListType.create(SimpleType.DYN);
      case "string" -> SimpleType.STRING;
      case "integer" -> SimpleType.INT;
      case "number" -> SimpleType.DOUBLE;
      case "boolean" -> SimpleType.BOOL;
      default -> SimpleType.DYN;
    };
  }

  /** JSON as CEL sees it: maps, lists, strings, int64 (CEL's int), doubles, booleans. */
  private static Object celValue(JsonNode n) {
    if (n.isObject()) {
      Map<String, Object> m = new LinkedHashMap<>();
      n.fields().forEachRemaining(f -> m.put(f.getKey(), celValue(f.getValue())));
      return m;
    }
    if (n.isArray()) {
      List<Object> l = new ArrayList<>();
      n.forEach(i -> l.add(celValue(i)));
      return l;
    }
    if (n.isIntegralNumber()) {
      return n.asLong();
    }
    if (n.isNumber()) {
      return n.asDouble();
    }
    if (n.isBoolean()) {
      return n.asBoolean();
    }
    return n.asText();
  }

  /** The API server drops fields its structural schema does not know (apiVersion, kind and metadata stay at the root). */
  private static JsonNode prune(JsonNode value, JsonNode schema, boolean root) {
    if (value.isObject() && schema.has("properties") && !schema.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
      ObjectNode o = (ObjectNode) value;
      for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (schema.get("properties").has(name)) {
          prune(o.get(name), schema.get("properties").get(name), false);
        } else if (!(root && List.of("apiVersion", "kind", "metadata").contains(name))) {
          it.remove();
        }
      }
    } else if (value.isArray() && schema.has("items")) {
      value.forEach(i -> prune(i, schema.get("items"), false));
    } else if (value.isObject() && schema.has("additionalProperties") && schema.get("additionalProperties").isObject()) {
      value.forEach(v -> prune(v, schema.get("additionalProperties"), false));
    }
    return value;
  }

  /** Defaults of absent properties, as the API server applies them before validating. */
  private static JsonNode withDefaults(JsonNode value, JsonNode schema) {
    if (value.isObject() && schema.has("properties")) {
      schema.get("properties").fields().forEachRemaining(p -> {
        if (!value.has(p.getKey()) && p.getValue().has("default")) {
          ((ObjectNode) value).set(p.getKey(), p.getValue().get("default").deepCopy());
        } else if (value.has(p.getKey())) {
          withDefaults(value.get(p.getKey()), p.getValue());
        }
      });
    } else if (value.isArray() && schema.has("items")) {
      value.forEach(i -> withDefaults(i, schema.get("items")));
    }
    return value;
  }

  /** The OpenAPI schema as a draft-4 JSON Schema: Kubernetes' own keywords removed (CEL is checked apart). */
  private static JsonNode jsonSchema(JsonNode openApi) {
    JsonNode copy = openApi.deepCopy();
    strip(copy);
    return copy;
  }

  private static void strip(JsonNode n) {
    if (n.isObject()) {
      ObjectNode o = (ObjectNode) n;
      o.remove(List.of("x-kubernetes-validations", "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields",
          "x-kubernetes-embedded-resource", "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type",
          "nullable"));
      o.forEach(CrdAdmission::strip);
    } else if (n.isArray()) {
      n.forEach(CrdAdmission::strip);
    }
  }

  static JsonNode json(Object o) {
    return JSON.valueToTree(o);
  }
}
