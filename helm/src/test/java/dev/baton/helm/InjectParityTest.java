package dev.baton.helm;

import static dev.baton.helm.Charts.find;
import static dev.baton.helm.Charts.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import dev.baton.operator.inject.ClusterFacts;
import dev.baton.operator.inject.InjectConfig;
import dev.baton.operator.inject.InjectionSettings;
import dev.baton.operator.inject.PodInjector;
import io.fabric8.zjsonpatch.JsonPatch;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The webhook and the library chart inject the same thing: the testapp's "web" pod rendered with
 * baton-inject's templates equals the same pod without them, annotated the same way and patched by the
 * operator's PodInjector; and both give the same memory warning for the same container.
 */
class InjectParityTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path tmp;
  static Path app;

  @BeforeAll
  static void vendorTheLibrary() throws Exception {
    app = tmp.resolve("testapp");
    Charts.copyTree(Paths.get(InjectParityTest.class.getResource("/testapp/Chart.yaml").toURI()).getParent(), app);
    Charts.copyTree(Charts.BATON_INJECT, app.resolve("charts/baton-inject"));
  }

  @Test
  void theWebhookPatchesAPodIntoWhatTheTemplatesRender() throws Exception {
    // testapp's values: port 8080, control port 8081, the default token Secret, --drain-timeout=30s, preStop 7 s,
    // a 60 s grace period; the agent's cache volume on (both defaults). Kubernetes 1.29: preStop exec sleep.
    JsonNode rendered = web(c -> c.set("baton.kubeVersion", "1.29.3"));
    assertThat(rendered.path("volumes").findValuesAsText("name")).contains("baton-cache", "baton-token");
    assertThat(rendered.path("containers").get(0).path("lifecycle").path("preStop").has("exec")).isTrue();
    assertParity(rendered, Map.of(), 60, ClusterFacts.assumed(29));
  }

  @Test
  void onKubernetes130BothUseTheNativeSleep() throws Exception {
    JsonNode rendered = web(c -> c.set("baton.kubeVersion", "v1.31.2"));
    assertThat(rendered.path("containers").get(0).path("lifecycle").path("preStop").path("sleep").path("seconds").asInt())
        .isEqualTo(7);
    assertParity(rendered, Map.of(), 60, ClusterFacts.assumed(31));
  }

  @Test
  void withoutTheAgentCacheBothLeaveItOut() throws Exception {
    JsonNode rendered = web(c -> c.set("baton.kubeVersion", "1.29.3").set("baton.agentCache", false)
        .set("baton.agentArgs", "drainTimeout=20s"));
    assertThat(rendered.path("volumes").findValuesAsText("name")).doesNotContain("baton-cache");
    assertParity(rendered, Map.of(InjectionSettings.AGENT_CACHE, "false", InjectionSettings.AGENT_ARGS, "drainTimeout=20s"),
        60, ClusterFacts.assumed(29));
  }

  @Test
  void aJvmCacheFlagOfThePodsOwnReplacesTheDefaultInBoth() throws Exception {
    Path file = values("baton: {kubeVersion: 1.29.3, extraArgs: [--drain-timeout=30s, --jvm-cache=/data/jvm]}");
    JsonNode rendered = web(c -> c.withValuesFile(file));
    List<String> command = JSON.convertValue(rendered.path("containers").get(0).path("command"), List.class);
    assertThat(command).filteredOn(a -> a.startsWith("--jvm-cache")).containsExactly("--jvm-cache-size=512M", "--jvm-cache=/data/jvm");
    assertParity(rendered, Map.of(InjectionSettings.ARGS, "--drain-timeout=30s --jvm-cache=/data/jvm"), 60,
        ClusterFacts.assumed(29));
  }

  @Test
  void bothRaiseAShortGracePeriodAlike() throws Exception {
    // 30 s against preStop 7 + drain 30 (baton's --drain-timeout) + 5: both make it 42.
    JsonNode rendered = web(c -> c.set("baton.kubeVersion", "1.29.3").set("baton.terminationGracePeriodSeconds", 30));
    assertThat(rendered.path("terminationGracePeriodSeconds").asInt()).isEqualTo(42);
    assertParity(rendered, Map.of(), 30, ClusterFacts.assumed(29));
    // Without --drain-timeout the agent's 2m drain + its 2 s watchdog: 7 + 122 + 5.
    Path file = values("baton: {kubeVersion: 1.29.3, extraArgs: [], agentArgs: drainTimeout=2m}");
    JsonNode longer = web(c -> c.withValuesFile(file));
    assertThat(longer.path("terminationGracePeriodSeconds").asInt()).isEqualTo(134);
  }

  /**
   * {limit, JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS, JVM flags on the command line, whether it warns}: the same
   * warning, or none, from both.
   */
  @ParameterizedTest(name = "{0} {1} {2} {3}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "512Mi|-|-|-|true", "1Gi|-|-|-|false", "200Mi|-|-|-|true", "1Gi|-Xmx700m|-|-|true",
      "2Gi|-|-XX:MaxRAMPercentage=70|-|true", "2G|-|-|-Xmx1g|true", "2.5Gi|-|-|-Xmx1g|false",
      "1Gi|-|-|-XX:MaxRAMPercentage=37.5|true", "1Gi|-XX:MaxRAM=4g|-|-|true", "1Gi|-Xmx2g|-|-Xms600m -Xmx300m|false",
      "1Gi|-|-|-XX:MaxRAMPercentage=50|true", "2Gi|-|-|-XX:MaxRAMPercentage=40|true", "300Mi|-|-|-XX:MaxRAMPercentage=40|true",
      "2Gi|-|-|-Xmx850m|true", "100Mi|-|-|-XX:MaxRAMPercentage=70|true"})
  void theMemoryWarningIsTheWebhooksWarning(String limit, String toolOptions, String jdkOptions, String flags, boolean warns)
      throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("java"));
    if (flags != null) {
      command.addAll(List.of(flags.split(" ")));
    }
    command.addAll(List.of("-jar", "/app/app.jar", "--server.port=8080"));
    List<Map<String, String>> env = new java.util.ArrayList<>();
    if (toolOptions != null) {
      env.add(Map.of("name", "JAVA_TOOL_OPTIONS", "value", toolOptions));
    }
    if (jdkOptions != null) {
      env.add(Map.of("name", "JDK_JAVA_OPTIONS", "value", jdkOptions));
    }

    // The template's, as the testapp's NOTES show it.
    String notes = new Helm(app).install().withName("rel").withNamespace("shop").dryRun().clientOnly()
        .withValuesFile(values(JSON.writeValueAsString(Map.of("baton", Map.of("command", command, "env", env,
            "resources", Map.of("limits", Map.of("memory", limit))))))).call().getOutput();
    String template = notes.lines().filter(l -> l.startsWith("WARNING: ")).map(l -> l.substring("WARNING: ".length()))
        .findFirst().orElse(null);

    // The webhook's, on the same container.
    ObjectNode pod = plainPod(60);
    ObjectNode web = (ObjectNode) pod.path("spec").path("containers").get(0);
    ArrayNode cmd = web.putArray("command");
    command.forEach(cmd::add);
    env.forEach(e -> ((ArrayNode) web.withArray("env")).addObject().put("name", e.get("name")).put("value", e.get("value")));
    web.putObject("resources").putObject("limits").put("memory", limit);
    PodInjector.Result result = new PodInjector(InjectConfig.defaults(), ClusterFacts.assumed(31)).inject(pod);
    String webhook = result.notices().stream().filter(n -> n.reason().equals(PodInjector.MEMORY))
        .map(n -> n.message().substring("baton: ".length())).findFirst().orElse(null);

    assertThat(template).isEqualTo(webhook);
    assertThat(webhook != null).as("warns: %s", webhook).isEqualTo(warns);
  }

  /** A values file (YAML, so JSON too): helm-java's set() passes lists as text. */
  static Path values(String yaml) throws java.io.IOException {
    return java.nio.file.Files.writeString(java.nio.file.Files.createTempFile(tmp, "values", ".yaml"), yaml);
  }

  private static JsonNode web(UnaryOperator<com.marcnuri.helm.TemplateCommand> values) {
    return JSON.valueToTree(get(find(Charts.render(app, values), "Deployment", "rel-web"), "spec.template.spec"));
  }

  private static ObjectNode plainPod(int grace) throws Exception {
    return (ObjectNode) JSON.readTree("""
        {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"generateName": "rel-web-", "namespace": "shop", "labels": {"app": "web", "baton.dev/inject": "true"}},
         "spec": {
           "terminationGracePeriodSeconds": %d,
           "containers": [{
             "name": "web", "image": "registry.example.com/shop/web:1.2.3",
             "command": ["java", "-jar", "/app/app.jar", "--server.port=8080"],
             "env": [{"name": "SPRING_PROFILES_ACTIVE", "value": "prod"}],
             "ports": [{"name": "http", "containerPort": 8080}]}]}}
        """.formatted(grace));
  }

  /** The testapp's plain pod, annotated as its values say (plus {@code more}), patched by the webhook: the rendered pod. */
  private static void assertParity(JsonNode rendered, Map<String, String> more, int grace, ClusterFacts cluster)
      throws Exception {
    ObjectNode plain = plainPod(grace);
    ((ObjectNode) plain.path("metadata")).putObject("annotations")
        .put(InjectionSettings.PORTS, "8080").put(InjectionSettings.CONTROL_PORT, "8081")
        .put(InjectionSettings.ARGS, "--drain-timeout=30s").put(InjectionSettings.PRESTOP_SECONDS, "7");
    more.forEach(((ObjectNode) plain.path("metadata").path("annotations"))::put);
    ((ObjectNode) plain.path("metadata")).remove("namespace");

    PodInjector.Result result = new PodInjector(InjectConfig.defaults(), cluster).inject(plain, "shop");
    assertThat(result.warning()).isNull();
    JsonNode injected = JsonPatch.apply(result.patch(), plain).path("spec");

    assertThat(normalized(injected.path("initContainers"))).isEqualTo(normalized(rendered.path("initContainers")));
    assertThat(normalized(injected.path("volumes"))).isEqualTo(normalized(rendered.path("volumes")));
    assertThat(normalized(injected.path("containers"))).isEqualTo(normalized(rendered.path("containers")));
    assertThat(normalized(injected)).isEqualTo(normalized(rendered));
  }

  /** YAML and JSON spell the same number differently (Integer vs Long...): compare through text. */
  private static Map<?, ?> normalized(JsonNode node) throws Exception {
    return JSON.readValue("{\"v\":" + JSON.writeValueAsString(node) + "}", Map.class);
  }
}
