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
  /** A cluster older than the native preStop sleep (1.29), where every namespace has the token Secret. */
  static final ClusterFacts V1_29 = ClusterFacts.assumed(29);
  static final ClusterFacts V1_31 = ClusterFacts.assumed(31);
  final PodInjector injector = new PodInjector(InjectConfig.defaults(), V1_29);

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
    return injected(injector, pod);
  }

  static Pod injected(PodInjector injector, Pod pod) throws Exception {
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
        .addToAnnotations(Map.of(InjectionSettings.ARGS, "--drain-timeout=30s", InjectionSettings.PRESTOP_SECONDS, "7"))
        .endMetadata().build());

    Container c = out.getSpec().getContainers().get(0);
    List<String> command = c.getCommand();
    int sep = command.indexOf("--");
    assertThat(command.subList(0, sep)).startsWith("java").containsSubsequence("-Xmx64m", "-jar", "/opt/baton/baton.jar",
        "--port=8080", "--control=0.0.0.0:8081", "--control-token-file=/var/run/baton/token",
        "--jvm-cache=/opt/baton-cache/jvm", "--jvm-cache-size=512M", "--drain-timeout=30s");
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
    assertThat(out.getSpec().getVolumes().get(1).getEmptyDir().getSizeLimit().toString()).isEqualTo("1Gi");
    // The control token: the operator's Secret (one name everywhere), its key "token" at the token file.
    assertThat(out.getSpec().getVolumes().get(2).getSecret().getSecretName()).isEqualTo("baton-control-token");
    assertThat(out.getSpec().getVolumes().get(2).getSecret().getItems()).extracting("key", "path")
        .containsExactly(org.assertj.core.groups.Tuple.tuple("token", "token"));
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

    PodInjector operatorOff = new PodInjector(InjectConfig.defaults().withAgentCache(false), V1_29);
    Pod plain = pod(app("web", "java", "-jar", "/app/app.jar")).build();
    assertNoAgentCache(K8S.unmarshal(JsonPatch.apply(operatorOff.inject(json(plain)).patch(), json(plain)).toString(), Pod.class),
        "-javaagent:/opt/baton/baton-agent.jar");

    // The annotation wins over the operator's default, and the pod's own cache= follows ours (the later one wins).
    Pod annotatedOn = pod(app("web", "java", "-jar", "/app/app.jar")).editMetadata()
        .addToAnnotations(InjectionSettings.AGENT_CACHE, "true").addToAnnotations(InjectionSettings.AGENT_ARGS, "cache=/data/cache")
        .endMetadata().build();
    Pod on = K8S.unmarshal(JsonPatch.apply(operatorOff.inject(json(annotatedOn)).patch(), json(annotatedOn)).toString(), Pod.class);
    assertThat(on.getSpec().getVolumes()).extracting("name").containsExactly("baton", "baton-cache", "baton-token");
    assertThat(on.getSpec().getContainers().get(0).getEnv().get(0).getValue())
        .isEqualTo("-javaagent:/opt/baton/baton-agent.jar=cache=/opt/baton-cache/agent,cache=/data/cache");
    assertThat(on.getSpec().getContainers().get(0).getCommand()).contains("--jvm-cache=/opt/baton-cache/jvm");
  }

  /** baton's JVM cache goes with the cache volume; flags of the pod's own (baton.dev/args) replace ours, never repeat them. */
  @Test
  void theJvmCacheFollowsTheCacheVolumeAndThePodsOwnFlagsWin() throws Exception {
    Pod own = injected(pod(app("web", "java", "-jar", "/app/app.jar")).editMetadata()
        .addToAnnotations(InjectionSettings.ARGS, "--jvm-cache=/data/jvm").endMetadata().build());
    List<String> command = own.getSpec().getContainers().get(0).getCommand();
    assertThat(command.subList(0, command.indexOf("--"))).filteredOn(a -> a.startsWith("--jvm-cache"))
        .containsExactly("--jvm-cache-size=512M", "--jvm-cache=/data/jvm");

    Pod off = injected(pod(app("web", "java", "-jar", "/app/app.jar")).editMetadata()
        .addToAnnotations(InjectionSettings.AGENT_CACHE, "false").endMetadata().build());
    assertThat(off.getSpec().getContainers().get(0).getCommand()).noneMatch(a -> a.startsWith("--jvm-cache"));
  }

  private static void assertNoAgentCache(Pod out, String toolOptions) {
    Container c = out.getSpec().getContainers().get(0);
    assertThat(c.getCommand()).noneMatch(a -> a.startsWith("--jvm-cache"));
    assertThat(c.getEnv()).filteredOn(e -> e.getName().equals("JAVA_TOOL_OPTIONS")).singleElement()
        .extracting("value").isEqualTo(toolOptions);
    assertThat(c.getVolumeMounts()).extracting("name").containsExactly("baton", "baton-token");
    assertThat(out.getSpec().getVolumes()).extracting("name").containsExactly("baton", "baton-token");
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
        .containsExactly("config", "baton", "baton-cache", "baton-token");
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
  void aContainerWithoutCommandIsAdmittedUnchangedWithAWarningNamingTheAnnotation() throws Exception {
    PodInjector.Result result = injector.inject(json(pod(app("web")).build()));
    assertThat(result.patch()).isEmpty();
    assertThat(result.warning()).startsWith("baton: pod admitted without Baton: container web has no command to wrap")
        .contains("set the container's command").contains("baton.dev/command");
  }

  @Test
  void theImagesEntrypointComesFromTheCommandAnnotationAndTheContainersArgsStillFollowIt() throws Exception {
    // A Jib image: ENTRYPOINT java -cp @/app/jib-classpath-file @/app/jib-main-class-file, no command in the pod.
    Container jib = app("web");
    jib.setArgs(List.of("--server.port=8080"));
    Pod words = injected(pod(jib).editMetadata().addToAnnotations(InjectionSettings.COMMAND,
        "java -cp @/app/jib-classpath-file @/app/jib-main-class-file").endMetadata().build());
    Container c = words.getSpec().getContainers().get(0);
    assertThat(c.getCommand().subList(c.getCommand().indexOf("--") + 1, c.getCommand().size()))
        .containsExactly("java", "-cp", "@/app/jib-classpath-file", "@/app/jib-main-class-file");
    assertThat(c.getArgs()).containsExactly("--server.port=8080");

    // A buildpack image: its launcher, and a java that is not on the PATH for baton itself.
    Pod array = injected(pod(app("web")).editMetadata()
        .addToAnnotations(InjectionSettings.COMMAND, "[\"/cnb/process/web\"]")
        .addToAnnotations(InjectionSettings.JAVA, "/layers/paketo-buildpacks_bellsoft-liberica/jre/bin/java").endMetadata().build());
    List<String> command = array.getSpec().getContainers().get(0).getCommand();
    assertThat(command.get(0)).isEqualTo("/layers/paketo-buildpacks_bellsoft-liberica/jre/bin/java");
    assertThat(command.subList(command.indexOf("--") + 1, command.size())).containsExactly("/cnb/process/web");

    // Both a command and the annotation: which one is meant is not for the webhook to guess.
    PodInjector.Result both = injector.inject(json(pod(app("web", "java", "-jar", "/app.jar")).editMetadata()
        .addToAnnotations(InjectionSettings.COMMAND, "java -jar /other.jar").endMetadata().build()));
    assertThat(both.patch()).isEmpty();
    assertThat(both.warning()).contains("has a command and baton.dev/command gives another: remove one");
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
      "baton.dev/command|[\"java\", 1]|not a string",
      "baton.dev/command|[java|is not a JSON array",
      "baton.dev/command|'  '|is empty",
      "baton.dev/java|/opt/my java|is not a path",
      "baton.dev/token-secret|web-token|is not the operator's control token Secret (baton-control-token)",
  })
  void aBadAnnotationIsNamedInTheWarningAndThePodAdmittedUnchanged(String key, String value, String problem) throws Exception {
    Container web = key.equals(InjectionSettings.COMMAND) ? app("web") : app("web", "java", "-jar", "/app/app.jar");
    PodInjector.Result result = injector.inject(json(pod(web).editMetadata().addToAnnotations(key, value).endMetadata().build()));
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
    assertThat(injected(ownCache).getSpec().getVolumes()).extracting("name").containsExactly("baton-cache", "baton", "baton-token");

    Container web = app("web", "java", "-jar", "/app/app.jar");
    web.getEnv().add(new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName("JAVA_TOOL_OPTIONS")
        .withNewValueFrom().withNewSecretKeyRef("opts", "jvm", false).endValueFrom().build());
    assertThat(injector.inject(json(pod(web).build())).warning()).contains("JAVA_TOOL_OPTIONS from valueFrom");
  }

  @ParameterizedTest(name = "{0} on 1.{1}: {2}")
  @CsvSource({
      "auto, 31, sleep", "auto, 30, sleep", "auto, 29, exec", "auto, -1, exec",
      "sleepAction, -1, sleep", "exec, 31, exec"})
  void thePreStopPauseIsTheNativeSleepWhereTheClusterHasIt(String mode, int minor, String expected) throws Exception {
    PodInjector injector = new PodInjector(InjectConfig.defaults().withPreStop(InjectConfig.PreStop.of(mode)),
        ClusterFacts.assumed(minor));
    var preStop = injected(injector, pod(app("web", "java", "-jar", "/app/app.jar")).build())
        .getSpec().getContainers().get(0).getLifecycle().getPreStop();
    if (expected.equals("sleep")) {
      // No binary needed in the image: distroless images have no sleep.
      assertThat(preStop.getSleep().getSeconds()).isEqualTo(5L);
      assertThat(preStop.getExec()).isNull();
    } else {
      assertThat(preStop.getExec().getCommand()).containsExactly("sleep", "5");
      assertThat(preStop.getSleep()).isNull();
    }
  }

  @Test
  void noPreStopPauseLeavesTheAppsLifecycleAlone() throws Exception {
    Container web = app("web", "java", "-jar", "/app/app.jar");
    Pod out = injected(pod(web).editMetadata().addToAnnotations(InjectionSettings.PRESTOP_SECONDS, "0").endMetadata().build());
    assertThat(out.getSpec().getContainers().get(0).getLifecycle()).isNull();
  }

  @Test
  void theGracePeriodIsRaisedToCoverPreStopDrainAndAMargin() throws Exception {
    // Kubernetes' default 30 s: preStop 5 + the agent's drain 30 + its watchdog 2 + 5 = 42.
    PodInjector.Result raised = injector.inject(json(pod(app("web", "java", "-jar", "/app/app.jar")).build()));
    Pod out = K8S.unmarshal(JsonPatch.apply(raised.patch(), json(pod(app("web", "java", "-jar", "/app/app.jar")).build()))
        .toString(), Pod.class);
    assertThat(out.getSpec().getTerminationGracePeriodSeconds()).isEqualTo(42L);
    assertThat(raised.notices()).singleElement().satisfies(n -> {
      assertThat(n.reason()).isEqualTo(PodInjector.GRACE_RAISED);
      assertThat(n.warning()).isFalse();
      assertThat(n.message()).isEqualTo("baton: terminationGracePeriodSeconds raised from 30 to 42 (preStop 5 s + drain"
          + " 32 s + 5 s), so the drain is not cut off by SIGKILL");
    });

    // baton's --drain-timeout cuts the drain short: 5 + 10 + 5 = 20 fits in 30, nothing to raise or tell.
    PodInjector.Result kept = injector.inject(json(pod(app("web", "java", "-jar", "/app/app.jar")).editMetadata()
        .addToAnnotations(InjectionSettings.ARGS, "--drain-timeout=10s").endMetadata().editSpec()
        .withTerminationGracePeriodSeconds(30L).endSpec().build()));
    assertThat(kept.patch().findValues("path")).noneMatch(p -> p.asText().contains("terminationGracePeriodSeconds"));
    assertThat(kept.notices()).isEmpty();

    // A longer agent drain (2m) and preStop 10: 10 + 122 + 5; a grace period already longer is kept.
    Pod longDrain = injected(pod(app("web", "java", "-jar", "/app/app.jar")).editMetadata()
        .addToAnnotations(InjectionSettings.AGENT_ARGS, "drainTimeout=2m").addToAnnotations(InjectionSettings.PRESTOP_SECONDS, "10")
        .endMetadata().editSpec().withTerminationGracePeriodSeconds(60L).endSpec().build());
    assertThat(longDrain.getSpec().getTerminationGracePeriodSeconds()).isEqualTo(137L);
    Pod longer = injected(pod(app("web", "java", "-jar", "/app/app.jar")).editSpec()
        .withTerminationGracePeriodSeconds(300L).endSpec().build());
    assertThat(longer.getSpec().getTerminationGracePeriodSeconds()).isEqualTo(300L);
  }

  @Test
  void theTokenSecretMustBeInThePodsNamespaceAndNoTokenMeansNoneMounted() throws Exception {
    // A namespace without the Secret: the pod would never start (a missing Secret volume), so it is left alone.
    ClusterFacts noSecret = new ClusterFacts() {
      @Override
      public int minorVersion() {
        return 31;
      }

      @Override
      public String tokenProblem(String namespace, String name, String key) {
        return "namespace " + namespace + " has no control token Secret " + name;
      }
    };
    PodInjector.Result skipped = new PodInjector(InjectConfig.defaults(), noSecret)
        .inject(json(pod(app("web", "java", "-jar", "/app/app.jar")).build()));
    assertThat(skipped.patch()).isEmpty();
    assertThat(skipped.warning()).isEqualTo("baton: pod admitted without Baton: namespace shop has no control token Secret"
        + " baton-control-token");

    // Another name and key (the operator's --token-secret/--token-key) reach the volume and its item.
    Pod own = injected(new PodInjector(InjectConfig.defaults().withTokenSecret("shop-baton", "control"), V1_29),
        pod(app("web", "java", "-jar", "/app/app.jar")).build());
    assertThat(own.getSpec().getVolumes()).filteredOn(v -> v.getSecret() != null).singleElement().satisfies(v -> {
      assertThat(v.getSecret().getSecretName()).isEqualTo("shop-baton");
      assertThat(v.getSecret().getItems()).extracting("key", "path")
          .containsExactly(org.assertj.core.groups.Tuple.tuple("control", "token"));
    });

    // No token at all (the operator's --token-secret=""): nothing mounted, no token flag; baton's control is open.
    Pod none = injected(new PodInjector(InjectConfig.defaults().withTokenSecret("", "token"), noSecret),
        pod(app("web", "java", "-jar", "/app/app.jar")).build());
    assertThat(none.getSpec().getVolumes()).extracting("name").containsExactly("baton", "baton-cache");
    assertThat(none.getSpec().getContainers().get(0).getCommand()).noneMatch(a -> a.startsWith("--control-token-file"));
  }

  @Test
  void aMemoryLimitThatCannotHoldTwoGenerationsIsAWarningOnAnInjectedPod() throws Exception {
    // JVM defaults in 512Mi: a 128Mi heap (25%) each; 2 x (128 + 64) + 100 + 51.2 (10%) = 536Mi. In 574Mi
    // the heap is 144Mi and the reload fits.
    PodInjector.Result tight = injector.inject(json(pod(limited(app("web", "java", "-jar", "/app/app.jar"), "512Mi")).build()));
    assertThat(tight.injected()).isTrue();
    assertThat(tight.notices()).filteredOn(n -> n.reason().equals(PodInjector.MEMORY)).singleElement().satisfies(n -> {
      assertThat(n.warning()).isTrue();
      assertThat(n.message()).isEqualTo("baton: container web: a reload needs 536Mi but the memory limit is 512Mi:"
          + " 2 JVMs x (128Mi heap (MaxRAMPercentage=25 of the limit, the JVM's default) + 64Mi non-heap) + baton 100Mi"
          + " + margin 52Mi (10% of the limit); cap the heap at 116Mi (-Xmx116m) or raise the limit to 574Mi"
          + " (sizing rule: helm/README.md)");
    });
    assertThat(injector.inject(json(pod(limited(app("web", "java", "-jar", "/app/app.jar"), "1Gi")).build())).notices())
        .noneMatch(n -> n.reason().equals(PodInjector.MEMORY));

    // The app's own JAVA_TOOL_OPTIONS count (not the agent the webhook appends), and the command line wins over it.
    Container viaEnv = limited(app("web", "java", "-jar", "/app/app.jar"), "1Gi");
    viaEnv.getEnv().add(new io.fabric8.kubernetes.api.model.EnvVar("JAVA_TOOL_OPTIONS", "-Xmx700m", null));
    assertThat(memoryNotice(viaEnv)).contains("700Mi heap (-Xmx700m)").contains("a reload needs 1731Mi");
    Container overridden = limited(app("web", "java", "-Xmx256m", "-jar", "/app/app.jar"), "1Gi");
    overridden.getEnv().add(new io.fabric8.kubernetes.api.model.EnvVar("JAVA_TOOL_OPTIONS", "-Xmx700m", null));
    assertThat(memoryNotice(overridden)).isNull();
    Container jdkOptions = limited(app("web", "java", "-jar", "/app/app.jar"), "2Gi");
    jdkOptions.getEnv().add(new io.fabric8.kubernetes.api.model.EnvVar("JDK_JAVA_OPTIONS", "-XX:MaxRAMPercentage=70", null));
    assertThat(memoryNotice(jdkOptions)).contains("1434Mi heap (MaxRAMPercentage=70 of the limit)");
    // Flags after -jar are the app's, not the JVM's.
    assertThat(memoryNotice(limited(app("web", "java", "-jar", "/app/app.jar", "-Xmx900m"), "1Gi"))).isNull();

    // Nothing to tell: no limit, or a launcher script whose JVM flags are out of sight.
    assertThat(memoryNotice(app("web", "java", "-Xmx4g", "-jar", "/app/app.jar"))).isNull();
    assertThat(memoryNotice(limited(app("web", "/app/bin/start.sh"), "256Mi"))).isNull();
  }

  private String memoryNotice(Container c) throws Exception {
    return injector.inject(json(pod(c).build())).notices().stream().filter(n -> n.reason().equals(PodInjector.MEMORY))
        .map(PodInjector.Notice::message).findFirst().orElse(null);
  }

  private static Container limited(Container c, String memory) {
    c.setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
        .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity(memory)).build());
    return c;
  }
}
