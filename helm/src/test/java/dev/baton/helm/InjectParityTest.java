package dev.baton.helm;

import static dev.baton.helm.Charts.find;
import static dev.baton.helm.Charts.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.operator.inject.InjectConfig;
import dev.baton.operator.inject.InjectionSettings;
import dev.baton.operator.inject.PodInjector;
import io.fabric8.zjsonpatch.JsonPatch;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook and the library chart inject the same thing: the testapp's "web" pod rendered with
 * baton-inject's templates equals the same pod without them, annotated the same way and patched by the
 * operator's PodInjector.
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
    // testapp's values: port 8080, control port 8081, token Secret, --drain-timeout=30s, preStop 7 s; the
    // agent's cache volume on (both defaults).
    JsonNode rendered = JSON.valueToTree(get(find(Charts.render(app, c -> c), "Deployment", "rel-web"), "spec.template.spec"));
    assertThat(rendered.path("volumes").findValuesAsText("name")).contains("baton-cache");
    assertParity(rendered, Map.of());
  }

  @Test
  void withoutTheAgentCacheBothLeaveItOut() throws Exception {
    JsonNode rendered = JSON.valueToTree(get(find(Charts.render(app, c -> c.set("baton.agentCache", false)
        .set("baton.agentArgs", "drainTimeout=20s")), "Deployment", "rel-web"), "spec.template.spec"));
    assertThat(rendered.path("volumes").findValuesAsText("name")).doesNotContain("baton-cache");
    assertParity(rendered, Map.of(InjectionSettings.AGENT_CACHE, "false", InjectionSettings.AGENT_ARGS, "drainTimeout=20s"));
  }

  /** The testapp's plain pod, annotated as its values say (plus {@code more}), patched by the webhook: the rendered pod. */
  private static void assertParity(JsonNode rendered, Map<String, String> more) throws Exception {
    ObjectNode plain = (ObjectNode) JSON.readTree("""
        {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"generateName": "rel-web-", "labels": {"app": "web", "baton.dev/inject": "true"}},
         "spec": {
           "terminationGracePeriodSeconds": 60,
           "containers": [{
             "name": "web", "image": "registry.example.com/shop/web:1.2.3",
             "command": ["java", "-jar", "/app/app.jar", "--server.port=8080"],
             "env": [{"name": "SPRING_PROFILES_ACTIVE", "value": "prod"}],
             "ports": [{"name": "http", "containerPort": 8080}]}]}}
        """);
    ((ObjectNode) plain.path("metadata")).putObject("annotations")
        .put(InjectionSettings.PORTS, "8080").put(InjectionSettings.CONTROL_PORT, "8081")
        .put(InjectionSettings.TOKEN_SECRET, "web-baton-token").put(InjectionSettings.ARGS, "--drain-timeout=30s")
        .put(InjectionSettings.PRESTOP_SECONDS, "7");
    more.forEach(((ObjectNode) plain.path("metadata").path("annotations"))::put);

    PodInjector.Result result = new PodInjector(InjectConfig.defaults()).inject(plain);
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
