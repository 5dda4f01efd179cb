package dev.baton.operator.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The webhook's mutation on real pod specs, the patch applied with a real JSON Patch implementation. */
class PodInjectorTest {
  static final KubernetesSerialization K8S = new KubernetesSerialization();
  static final ObjectMapper JSON = new ObjectMapper();
  final PodInjector injector = new PodInjector(InjectConfig.defaults());

  static Container app(String name, String... command) {
    ContainerBuilder c = new ContainerBuilder().withName(name).withImage("registry.example.com/shop/" + name + ":1")
        .addNewPort().withName("http").withContainerPort(8080).endPort()
        .addNewEnv().withName("SPRING_PROFILES_ACTIVE").withValue("prod").endEnv();
    if (command.length > 0) {
      c.withCommand(command);
    }
    return c.build();
  }

  static PodBuilder pod(Container... containers) {
    return new PodBuilder().withNewMetadata().withGenerateName("web-7d9f-").withNamespace("shop")
        .addToLabels(InjectionSettings.INJECT_LABEL, "true").endMetadata()
        .withNewSpec().withContainers(containers).endSpec();
  }

  static JsonNode json(Pod pod) throws Exception {
    return JSON.readTree(K8S.asJson(pod));
  }

  /** Injects, applies the patch, returns the pod as the API server would store it. */
  Pod injected(Pod pod) throws Exception {
    PodInjector.Result result = injector.inject(json(pod));
    assertThat(result.warning()).isNull();
    assertThat(result.injected()).isTrue();
    return K8S.unmarshal(JsonPatch.apply(result.patch(), json(pod)).toString(), Pod.class);
  }

  @Test
  void wrapsTheCommandAndAddsWhatTheLibraryChartAdds() throws Exception {
    Container web = app("web", "java", "-jar", "/app/app.jar");
    web.setArgs(List.of("--server.port=8080"));
    Pod out = injected(pod(web).editMetadata()
        .addToAnnotations(Map.of(InjectionSettings.TOKEN_SECRET, "web-baton-token", InjectionSettings.ARGS, "--drain-timeout=30s",
            InjectionSettings.PRESTOP_SECONDS, "7")).endMetadata().build());

    Container c = out.getSpec().getContainers().get(0);
    List<String> command = c.getCommand();
    int sep = command.indexOf("--");
    assertThat(command.subList(0, sep)).startsWith("java").containsSubsequence("-Xmx64m", "-jar", "/opt/baton/baton.jar",
        "--port=8080", "--control=0.0.0.0:8081", "--control-token-file=/var/run/baton/token", "--drain-timeout=30s");
    assertThat(command.subList(sep + 1, command.size())).containsExactly("java", "-jar", "/app/app.jar");
    assertThat(c.getArgs()).containsExactly("--server.port=8080"); // argv = command + args: the args stay the app's

    assertThat(c.getEnv()).extracting("name", "value").containsExactly(
        org.assertj.core.groups.Tuple.tuple("JAVA_TOOL_OPTIONS", "-javaagent:/opt/baton/baton-agent.jar=cache=/opt/baton-cache/agent"),
        org.assertj.core.groups.Tuple.tuple("SPRING_PROFILES_ACTIVE", "prod"));
    assertThat(c.getPorts()).extracting("name", "containerPort")
        .containsExactly(org.assertj.core.groups.Tuple.tuple("http", 8080), org.assertj.core.groups.Tuple.tuple("baton", 8081));
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("baton");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("baton");
    assertThat(c.getLifecycle().getPreStop().getExec().getCommand()).containsExactly("sleep", "7");
    // The jars read-only; the agent's rewrite cache writable (readOnly unset).
    assertThat(c.getVolumeMounts()).extracting("name", "mountPath", "readOnly").containsExactly(
        org.assertj.core.groups.Tuple.tuple("baton", "/opt/baton", true),
        org.assertj.core.groups.Tuple.tuple("baton-cache", "/opt/baton-cache", null),
        org.assertj.core.groups.Tuple.tuple("baton-token", "/var/run/baton", true));

    Container init = out.getSpec().getInitContainers().get(0);
    assertThat(init.getName()).isEqualTo("baton-install");
    assertThat(init.getImage()).isEqualTo(InjectConfig.DEFAULT_IMAGE);
    assertThat(init.getCommand()).containsExactly("cp", "/opt/baton/baton.jar", "/opt/baton/baton-agent.jar", "/baton-install/");
    assertThat(init.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(init.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(init.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(out.getSpec().getVolumes()).extracting("name").containsExactly("baton", "baton-cache", "baton-token");
    assertThat(out.getSpec().getVolumes().get(0).getEmptyDir().getSizeLimit().toString()).isEqualTo("64Mi");
    assertThat(out.getSpec().getVolumes().get(1).getEmptyDir().getSizeLimit().toString()).isEqualTo("32Mi");
    assertThat(out.getSpec().getVolumes().get(2).getSecret().getSecretName()).isEqualTo("web-baton-token");
    assertThat(out.getMetadata().getAnnotations()).containsEntry(InjectionSettings.INJECTED, "web");
  }

  @Test
  void appendsTheAgentToTheAppsOwnJavaToolOptions() throws Exception {
    Container web = app("web", "java", "-jar", "/app/app.jar");
    web.getEnv().add(new io.fabric8.kubernetes.api.model.EnvVar("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=70", null));
    Pod out = injected(pod(web).editMetadata().addToAnnotations(InjectionSettings.AGENT_ARGS, "drainTimeout=20s").endMetadata().build());
    List<io.fabric8.kubernetes.api.model.EnvVar> env = out.getSpec().getContainers().get(0).getEnv();
    assertThat(env).filteredOn(e -> e.getName().equals("JAVA_TOOL_OPTIONS")).singleElement()
        .extracting("value")
        .isEqualTo("-XX:MaxRAMPercentage=70 -javaagent:/opt/baton/baton-agent.jar=cache=/opt/baton-cache/agent,drainTimeout=20s");
    assertThat(env).hasSize(2);
  }

  @Test
  void theAgentCacheIsOffByAnnotationOrOperatorDefaultAndAPodsOwnCacheOptionComesLast() throws Exception {
    Pod annotatedOff = injected(pod(app("web", "java", "-jar", "/app/app.jar")).editMetadata()
        .addToAnnotations(InjectionSettings.AGENT_CACHE, "false").addToAnnotations(InjectionSettings.AGENT_ARGS, "drainTimeout=20s")
        .endMetadata().build());
    assertNoAgentCache(annotatedOff, "-javaagent:/opt/baton/baton-agent.jar=drainTimeout=20s");

    PodInjector operatorOff = new PodInjector(InjectConfig.defaults().withAgentCache(false));
    Pod plain = pod(app("web", "java", "-jar", "/app/app.jar")).build();
    assertNoAgentCache(K8S.unmarshal(JsonPatch.apply(operatorOff.inject(json(plain)).patch(), json(plain)).toString(), Pod.class),
        "-javaagent:/opt/baton/baton-agent.jar");

    // The annotation wins over the operator's default, and the pod's own cache= follows ours (the later one wins).
    Pod annotatedOn = pod(app("web", "java", "-jar", "/app/app.jar")).editMetadata()
        .addToAnnotations(InjectionSettings.AGENT_CACHE, "true").addToAnnotations(InjectionSettings.AGENT_ARGS, "cache=/data/cache")
        .endMetadata().build();
    Pod on = K8S.unmarshal(JsonPatch.apply(operatorOff.inject(json(annotatedOn)).patch(), json(annotatedOn)).toString(), Pod.class);
    assertThat(on.getSpec().getVolumes()).extracting("name").containsExactly("baton", "baton-cache");
    assertThat(on.getSpec().getContainers().get(0).getEnv().get(0).getValue())
        .isEqualTo("-javaagent:/opt/baton/baton-agent.jar=cache=/opt/baton-cache/agent,cache=/data/cache");
  }

  private static void assertNoAgentCache(Pod out, String toolOptions) {
    Container c = out.getSpec().getContainers().get(0);
    assertThat(c.getEnv()).filteredOn(e -> e.getName().equals("JAVA_TOOL_OPTIONS")).singleElement()
        .extracting("value").isEqualTo(toolOptions);
    assertThat(c.getVolumeMounts()).extracting("name").containsExactly("baton");
    assertThat(out.getSpec().getVolumes()).extracting("name").containsExactly("baton");
  }

  @Test
  void wrapsTheFirstContainerOrTheOneTheAnnotationNames() throws Exception {
    Container proxy = new ContainerBuilder().withName("proxy").withImage("envoy").withCommand("envoy", "-c", "/etc/envoy.yaml")
        .addNewPort().withContainerPort(9901).endPort().build();
    Container web = app("web", "java", "-jar", "/app/app.jar");

    Pod first = injected(pod(proxy, web).build());
    assertThat(first.getSpec().getContainers().get(0).getCommand()).contains("--port=9901", "--", "envoy");
    assertThat(first.getSpec().getContainers().get(1)).isEqualTo(web);

    Pod named = injected(pod(proxy, web).editMetadata().addToAnnotations(InjectionSettings.CONTAINER, "web")
        .addToAnnotations(InjectionSettings.PORTS, "0.0.0.0:8080,8443").endMetadata().build());
    assertThat(named.getSpec().getContainers().get(0)).isEqualTo(proxy);
    assertThat(named.getSpec().getContainers().get(1).getCommand())
        .containsSubsequence("--port=0.0.0.0:8080", "--port=8443", "--control=0.0.0.0:8081", "--", "java");
    assertThat(named.getMetadata().getAnnotations()).containsEntry(InjectionSettings.INJECTED, "web");
  }

  @Test
  void keepsTheAppsInitContainersVolumesAnnotationsAndFieldsItDoesNotKnow() throws Exception {
    Pod pod = pod(app("web", "java", "-jar", "/app/app.jar"))
        .editMetadata().addToAnnotations("team", "shop").endMetadata()
        .editSpec().addNewInitContainer().withName("migrate").withImage("flyway").endInitContainer()
          .addNewVolume().withName("config").withNewConfigMap().withName("web-config").endConfigMap().endVolume().endSpec()
        .build();
    ObjectNode in = (ObjectNode) json(pod);
    // A field from a Kubernetes newer than this client's model: a typed round trip would be the risk.
    ((ObjectNode) in.path("spec").path("containers").get(0)).putObject("futureField").put("x", 1);
    PodInjector.Result result = injector.inject(in);
    JsonNode out = JsonPatch.apply(result.patch(), in);

    assertThat(out.path("spec").path("containers").get(0).path("futureField").path("x").asInt()).isEqualTo(1);
    assertThat(out.path("spec").path("initContainers")).extracting(n -> n.path("name").asText())
        .containsExactly("baton-install", "migrate");
    assertThat(out.path("spec").path("volumes")).extracting(n -> n.path("name").asText())
        .containsExactly("config", "baton", "baton-cache");
    assertThat(out.path("metadata").path("annotations").path("team").asText()).isEqualTo("shop");
    assertThat(out.path("metadata").path("annotations").path(InjectionSettings.INJECTED).asText()).isEqualTo("web");
  }

  @Test
  void anInjectedPodIsLeftAlone() throws Exception {
    Pod once = injected(pod(app("web", "java", "-jar", "/app/app.jar")).build());
    PodInjector.Result again = injector.inject(json(once));
    assertThat(again.injected()).isFalse();
    assertThat(again.warning()).isNull();

    // A pod spec copied from an injected one without the annotation still has the init container.
    once.getMetadata().getAnnotations().remove(InjectionSettings.INJECTED);
    assertThat(injector.inject(json(once)).patch()).isEmpty();
  }

  @Test
  void aContainerWithoutCommandIsAdmittedUnchangedWithAWarning() throws Exception {
    PodInjector.Result result = injector.inject(json(pod(app("web")).build()));
    assertThat(result.patch()).isEmpty();
    assertThat(result.warning()).startsWith("baton: pod admitted without Baton: container web has no command to wrap")
        .contains("set the container's command");
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "baton.dev/ports|http|not a port",
      "baton.dev/ports|8080,70000|not a port",
      "baton.dev/ports|8081|uses baton's control port 8081",
      "baton.dev/control-port|eighty|not a number from 1 to 65535",
      "baton.dev/control-port|8080|already has a port numbered 8080, baton's control port",
      "baton.dev/container|nginx|names no container of the pod: use one of [web]",
      "baton.dev/args|--port=9000|which the webhook sets",
      "baton.dev/args|--drain-timeout=5s -- java|give only baton flags",
      "baton.dev/args|--daemonize|would not run the app in the foreground",
      "baton.dev/token-secret|Web_Token|is not a Secret name",
      "baton.dev/agent-args|drainTimeout=5s signal=TERM|agent options are comma-separated",
      "baton.dev/agent-cache|off|is not true or false",
      "baton.dev/prestop-seconds|-1|not a number from 0 to 3600",
  })
  void aBadAnnotationIsNamedInTheWarningAndThePodAdmittedUnchanged(String key, String value, String problem) throws Exception {
    PodInjector.Result result = injector.inject(json(pod(app("web", "java", "-jar", "/app/app.jar"))
        .editMetadata().addToAnnotations(key, value).endMetadata().build()));
    assertThat(result.patch()).isEmpty();
    assertThat(result.warning()).contains(key).contains(problem);
  }

  @Test
  void withoutPortsOrTheAnnotationItAsksForTheAnnotation() throws Exception {
    Container bare = new ContainerBuilder().withName("worker").withImage("w").withCommand("java", "-jar", "/w.jar").build();
    PodInjector.Result result = injector.inject(json(pod(bare).build()));
    assertThat(result.patch()).isEmpty();
    assertThat(result.warning()).contains("declares no TCP port").contains("baton.dev/ports=8080");
  }

  @Test
  void volumeNameClashesAndJavaToolOptionsFromASecretAreRefused() throws Exception {
    for (String taken : List.of("baton", "baton-token", "baton-cache")) {
      Pod clash = pod(app("web", "java", "-jar", "/app/app.jar")).editSpec()
          .addNewVolume().withName(taken).withNewEmptyDir().endEmptyDir().endVolume().endSpec().build();
      PodInjector.Result result = injector.inject(json(clash));
      assertThat(result.patch()).isEmpty();
      assertThat(result.warning()).contains("already has a volume named " + taken + ": rename it");
    }
    // Without the cache volume, a volume of the app's named baton-cache is no clash.
    Pod ownCache = pod(app("web", "java", "-jar", "/app/app.jar"))
        .editMetadata().addToAnnotations(InjectionSettings.AGENT_CACHE, "false").endMetadata().editSpec()
        .addNewVolume().withName("baton-cache").withNewEmptyDir().endEmptyDir().endVolume().endSpec().build();
    assertThat(injected(ownCache).getSpec().getVolumes()).extracting("name").containsExactly("baton-cache", "baton");

    Container web = app("web", "java", "-jar", "/app/app.jar");
    web.getEnv().add(new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName("JAVA_TOOL_OPTIONS")
        .withNewValueFrom().withNewSecretKeyRef("opts", "jvm", false).endValueFrom().build());
    assertThat(injector.inject(json(pod(web).build())).warning()).contains("JAVA_TOOL_OPTIONS from valueFrom");
  }
}
