package dev.baton.helm;

import static dev.baton.helm.Charts.find;
import static dev.baton.helm.Charts.get;
import static dev.baton.helm.Charts.named;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** baton-inject's named templates, included by a tiny app chart (src/test/resources/testapp). */
class InjectTemplatesTest {
  @TempDir static Path tmp;
  static Path app;

  @BeforeAll
  static void vendorTheLibrary() throws Exception {
    app = tmp.resolve("testapp");
    Charts.copyTree(Paths.get(InjectTemplatesTest.class.getResource("/testapp/Chart.yaml").toURI()).getParent(), app);
    // What `helm dependency build` would do with the file:// dependency, without a network or a lock file.
    Charts.copyTree(Charts.BATON_INJECT, app.resolve("charts/baton-inject"));
  }

  @Test
  void libraryChartLints() {
    assertThat(new Helm(Charts.BATON_INJECT).lint().call().isFailed()).isFalse();
    assertThat(new Helm(app).lint().call().isFailed()).isFalse();
  }

  @Test
  void piecesWrapTheAppsOwnContainer() throws IOException {
    List<Map<String, Object>> docs = Charts.render(app, c -> c);
    Map<String, Object> pod = get(find(docs, "Deployment", "rel-web"), "spec.template.spec");

    // The init container copies both jars into the emptyDir.
    Map<String, Object> init = named(get(pod, "initContainers"), "baton-install");
    assertThat((List<Object>) init.get("command")).containsExactly("cp", "/opt/baton/baton.jar",
        "/opt/baton/baton-agent.jar", "/baton-install/");
    assertThat((Object) get(init, "volumeMounts.0.name")).isEqualTo("baton");
    assertThat((Object) get(init, "securityContext.allowPrivilegeEscalation")).isEqualTo(false);
    assertThat((Object) get(named(get(pod, "volumes"), "baton"), "emptyDir.sizeLimit")).isEqualTo("64Mi");
    assertThat((Object) get(named(get(pod, "volumes"), "baton-cache"), "emptyDir.sizeLimit")).isEqualTo("1Gi");
    // The control token: the operator's Secret, the same name everywhere, its key "token" at the token file.
    assertThat((Object) get(named(get(pod, "volumes"), "baton-token"), "secret.secretName")).isEqualTo("baton-control-token");
    assertThat((Object) get(named(get(pod, "volumes"), "baton-token"), "secret.items.0.key")).isEqualTo("token");

    Map<String, Object> web = named(get(pod, "containers"), "web");
    // baton wraps the app's command: supervisor flags, then "--", then the app's own command.
    List<Object> command = get(web, "command");
    assertThat(command.get(0)).isEqualTo("java");
    int sep = command.indexOf("--");
    assertThat(command.subList(0, sep)).containsSubsequence("-jar", "/opt/baton/baton.jar", "--port=8080",
        "--control=0.0.0.0:8081", "--control-token-file=/var/run/baton/token", "--jvm-cache=/opt/baton-cache/jvm",
        "--jvm-cache-size=512M", "--drain-timeout=30s");
    assertThat(command.subList(sep + 1, command.size()))
        .containsExactly("java", "-jar", "/app/app.jar", "--server.port=8080");

    // The agent for the worker JVM, next to the app's own env.
    List<Map<String, Object>> env = get(web, "env");
    assertThat((Object) named(env, "JAVA_TOOL_OPTIONS").get("value"))
        .isEqualTo("-javaagent:/opt/baton/baton-agent.jar=cache=/opt/baton-cache/agent");
    assertThat((Object) named(env, "SPRING_PROFILES_ACTIVE").get("value")).isEqualTo("prod");

    // The control port named "baton" (the operator finds pods' batons by it), probes on it, preStop sleep.
    assertThat((Object) named(get(web, "ports"), "baton").get("containerPort")).isEqualTo(8081);
    assertThat((Object) named(get(web, "ports"), "http").get("containerPort")).isEqualTo(8080);
    assertThat((Object) get(web, "readinessProbe.httpGet.path")).isEqualTo("/readyz");
    assertThat((Object) get(web, "readinessProbe.httpGet.port")).isEqualTo("baton");
    assertThat((Object) get(web, "livenessProbe.httpGet.path")).isEqualTo("/healthz");
    assertThat((Object) get(web, "livenessProbe.httpGet.port")).isEqualTo("baton");
    List<Map<String, Object>> mounts = get(web, "volumeMounts");
    assertThat(named(mounts, "baton")).containsEntry("mountPath", "/opt/baton").containsEntry("readOnly", true);
    // The agent writes its rewrite cache there: not read-only.
    assertThat(named(mounts, "baton-cache")).containsEntry("mountPath", "/opt/baton-cache").doesNotContainKey("readOnly");
    assertThat(named(mounts, "baton-token")).containsEntry("mountPath", "/var/run/baton");
  }

  @Test
  void noTokenFlagWithoutATokenSecret() {
    // baton exits at start when --control-token-file names a missing file: without a Secret (or a file
    // the user mounts and names explicitly) the flag must not be there.
    Map<String, Object> pod = get(find(Charts.render(app, c -> c.set("baton.tokenSecret", "")), "Deployment", "rel-web"),
        "spec.template.spec");
    List<Object> command = get(named(get(pod, "containers"), "web"), "command");
    assertThat(command).noneMatch(a -> a.toString().startsWith("--control-token-file"));
    assertThat((List<Map<String, Object>>) get(pod, "volumes")).extracting(v -> v.get("name")).containsExactly("baton", "baton-cache");
  }

  @Test
  void wholeContainerTemplateWithDefaults() {
    List<Map<String, Object>> docs = Charts.render(app, c -> c);
    Map<String, Object> pod = get(find(docs, "Deployment", "rel-worker"), "spec.template.spec");
    Map<String, Object> worker = named(get(pod, "containers"), "worker");
    assertThat(worker.get("image")).isEqualTo("registry.example.com/shop/web:1.2.3");
    List<Object> command = get(worker, "command");
    assertThat(command).contains("--port=9090", "--control=0.0.0.0:8081")
        .noneMatch(a -> a.toString().startsWith("--control-token-file"));
    assertThat(command.subList(command.indexOf("--") + 1, command.size()))
        .containsExactly("java", "-jar", "/app/worker.jar");
    assertThat((Object) named(get(worker, "ports"), "baton").get("containerPort")).isEqualTo(8081);
    assertThat((Object) named(get(worker, "ports"), "app-9090").get("containerPort")).isEqualTo(9090);
    assertThat((Object) named(get(worker, "env"), "JAVA_TOOL_OPTIONS").get("value"))
        .isEqualTo("-javaagent:/opt/baton/baton-agent.jar=cache=/opt/baton-cache/agent");
    assertThat((List<Map<String, Object>>) get(worker, "volumeMounts")).extracting(m -> m.get("name"))
        .containsExactly("baton", "baton-cache");
    assertThat((Object) get(worker, "readinessProbe.httpGet.path")).isEqualTo("/readyz");
    assertThat((List<Object>) get(worker, "lifecycle.preStop.exec.command")).containsExactly("sleep", "5");
    assertThat((List<Map<String, Object>>) get(pod, "volumes")).extracting(v -> v.get("name")).containsExactly("baton", "baton-cache");
    assertThat((Object) get(pod, "initContainers.0.name")).isEqualTo("baton-install");
  }

  @Test
  void agentCacheFollowsMountPathAndVolumeNameAndAnOwnCacheOptionComesLast() {
    Map<String, Object> pod = get(find(Charts.render(app, c -> c.set("baton.mountPath", "/baton").set("baton.volumeName", "sup")
        .set("baton.agentArgs", "drainTimeout=20s,cache=/data/cache")), "Deployment", "rel-web"), "spec.template.spec");
    Map<String, Object> web = named(get(pod, "containers"), "web");
    // The agent's options: a later one wins, so the app's own cache= overrides the volume's.
    assertThat((Object) named(get(web, "env"), "JAVA_TOOL_OPTIONS").get("value"))
        .isEqualTo("-javaagent:/baton/baton-agent.jar=cache=/baton-cache/agent,drainTimeout=20s,cache=/data/cache");
    assertThat(named(get(web, "volumeMounts"), "sup-cache")).containsEntry("mountPath", "/baton-cache");
    assertThat((List<Map<String, Object>>) get(pod, "volumes")).extracting(v -> v.get("name"))
        .containsExactly("sup", "sup-cache", "sup-token");
  }

  @Test
  void agentCacheOffRendersNeitherTheVolumeNorTheOption() {
    Map<String, Object> pod = get(find(Charts.render(app, c -> c.set("baton.agentCache", false)
        .set("baton.agentArgs", "drainTimeout=20s")), "Deployment", "rel-web"), "spec.template.spec");
    Map<String, Object> web = named(get(pod, "containers"), "web");
    assertThat((Object) named(get(web, "env"), "JAVA_TOOL_OPTIONS").get("value"))
        .isEqualTo("-javaagent:/opt/baton/baton-agent.jar=drainTimeout=20s");
    assertThat((List<Map<String, Object>>) get(web, "volumeMounts")).extracting(m -> m.get("name"))
        .containsExactly("baton", "baton-token");
    assertThat((List<Map<String, Object>>) get(pod, "volumes")).extracting(v -> v.get("name"))
        .containsExactly("baton", "baton-token");

    // A quoted "false" is a string, and a non-empty string would count as true: refused in one line.
    assertThatThrownBy(() -> Charts.render(app, c -> c.set("baton.agentCache", "off")))
        .hasMessageContaining("baton-inject: agentCache is off (string), not a boolean: set it to true or false, unquoted");
  }

  @Test
  void thePreStopPauseIsTheNativeSleepOnKubernetes130AndNewer() {
    assertThat((Object) get(web(c -> c.set("baton.kubeVersion", "v1.31.2")), "lifecycle.preStop.sleep.seconds")).isEqualTo(7);
    assertThat((Object) get(web(c -> c.set("baton.kubeVersion", "1.30.0")), "lifecycle.preStop.sleep.seconds")).isEqualTo(7);
    // Older, or not known: exec sleep, which every version takes (an older API server refuses the sleep field).
    assertThat((List<Object>) get(web(c -> c.set("baton.kubeVersion", "1.29.9")), "lifecycle.preStop.exec.command"))
        .containsExactly("sleep", "7");
    assertThat((List<Object>) get(web(c -> c.set("baton.kubeVersion", "")), "lifecycle.preStop.exec.command"))
        .containsExactly("sleep", "7");
    // Said outright, either way.
    assertThat((Object) get(web(c -> c.set("baton.kubeVersion", "").set("baton.preStop", "sleepAction")),
        "lifecycle.preStop.sleep.seconds")).isEqualTo(7);
    assertThat((List<Object>) get(web(c -> c.set("baton.kubeVersion", "1.31.0").set("baton.preStop", "exec")),
        "lifecycle.preStop.exec.command")).containsExactly("sleep", "7");
    // No pause at all: no lifecycle.
    assertThat(web(c -> c.set("baton.preStopSeconds", 0))).doesNotContainKey("lifecycle");
    assertThatThrownBy(() -> Charts.render(app, c -> c.set("baton.preStop", "nap")))
        .hasMessageContaining("baton-inject: preStop is nap: give auto, sleepAction or exec");
  }

  @Test
  void theGracePeriodCoversPreStopAndTheDrain() {
    // The testapp's 60 s already covers preStop 7 + drain 30 (--drain-timeout) + 5; 30 s does not.
    assertThat((Object) get(webPod(c -> c), "terminationGracePeriodSeconds")).isEqualTo(60);
    assertThat((Object) get(webPod(c -> c.set("baton.terminationGracePeriodSeconds", 30)), "terminationGracePeriodSeconds"))
        .isEqualTo(42);
    // A malformed --drain-timeout is baton's to refuse; the agent's default drain then counts: 7 + 32 + 5.
    assertThat((Object) get(webPod(c -> c.set("baton.terminationGracePeriodSeconds", 30).set("baton.extraArgs[0]",
        "--drain-timeout=soon")), "terminationGracePeriodSeconds")).isEqualTo(44);
  }

  @Test
  void theTokenKeyAndNoToken() {
    Map<String, Object> pod = webPod(c -> c.set("baton.tokenKey", "control"));
    assertThat((Object) get(named(get(pod, "volumes"), "baton-token"), "secret.items.0.key")).isEqualTo("control");
    assertThat((Object) get(named(get(pod, "volumes"), "baton-token"), "secret.items.0.path")).isEqualTo("token");
  }

  @Test
  void aMemoryLimitTooSmallForAReloadIsInTheNotesOrFailsTheRenderOrIsIgnored() {
    String notes = new Helm(app).install().withName("rel").withNamespace("shop").dryRun().clientOnly()
        .set("baton.resources.limits.memory", "512Mi").call().getOutput();
    assertThat(notes).contains("WARNING: container web: a reload needs 536Mi but the memory limit is 512Mi: 2 JVMs x"
        + " (128Mi heap (MaxRAMPercentage=25 of the limit, the JVM's default) + 64Mi non-heap) + baton 100Mi + margin 52Mi"
        + " (10% of the limit); cap the heap at 116Mi (-Xmx116m) or raise the limit to 574Mi (sizing rule: helm/README.md)");
    assertThat(new Helm(app).install().withName("rel").withNamespace("shop").dryRun().clientOnly()
        .set("baton.resources.limits.memory", "1Gi").call().getOutput()).doesNotContain("WARNING");
    assertThat(new Helm(app).install().withName("rel").withNamespace("shop").dryRun().clientOnly()
        .set("baton.resources.limits.memory", "512Mi").set("baton.memoryCheck", "off").call().getOutput())
        .doesNotContain("WARNING");

    assertThatThrownBy(() -> Charts.render(app, c -> c.set("baton.resources.limits.memory", "512Mi")
        .set("baton.memoryCheck", "fail"))).hasMessageContaining("baton-inject: container web: a reload needs 536Mi");
    assertThatThrownBy(() -> Charts.render(app, c -> c.set("baton.memoryCheck", "maybe")))
        .hasMessageContaining("baton-inject: memoryCheck is maybe: give warn, fail or off");
  }

  private static Map<String, Object> webPod(java.util.function.UnaryOperator<com.marcnuri.helm.TemplateCommand> values) {
    return get(find(Charts.render(app, values), "Deployment", "rel-web"), "spec.template.spec");
  }

  private static Map<String, Object> web(java.util.function.UnaryOperator<com.marcnuri.helm.TemplateCommand> values) {
    return named(get(webPod(values), "containers"), "web");
  }
}
