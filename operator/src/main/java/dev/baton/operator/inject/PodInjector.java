package dev.baton.operator.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.operator.inject.InjectConfig.PreStop;
import dev.baton.operator.inject.InjectionSettings.CannotInject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Computes the JSON Patch (RFC 6902) that puts Baton into a pod: what helm/baton-inject's templates
 * render, applied to the pod as it was submitted. It works on the JSON tree, not fabric8's typed model,
 * so fields this client version does not know survive untouched. What it needs from the cluster (the API
 * server's version, the token Secret) comes through {@link ClusterFacts}.
 */
public final class PodInjector {
  static final String INIT_CONTAINER = "baton-install";
  static final String PORT_NAME = "baton";
  static final String JAVA_TOOL_OPTIONS = "JAVA_TOOL_OPTIONS";
  static final String JDK_JAVA_OPTIONS = "JDK_JAVA_OPTIONS";
  /** The first Kubernetes minor version with {@code lifecycle.preStop.sleep} on by default (beta). */
  static final int SLEEP_ACTION_MINOR = 30;

  /** Event reasons of what the webhook tells about a pod (a Warning Event, or Normal for a change it made). */
  public static final String SKIPPED = "BatonInjectionSkipped";
  public static final String MEMORY = "BatonMemoryTooSmallForReload";
  public static final String GRACE_RAISED = "BatonGracePeriodRaised";

  private static final ObjectMapper JSON = new ObjectMapper();
  private final InjectConfig config;
  private final ClusterFacts cluster;

  /** Something to tell about a pod: an admission warning and an Event with this reason. */
  public record Notice(String reason, boolean warning, String message) {}

  /**
   * The outcome for one pod: a patch (possibly empty); when the pod was left alone, why ({@link #warning});
   * and what else to tell about an injected pod ({@link #notices}).
   */
  public record Result(ArrayNode patch, String warning, List<Notice> notices, InjectionSettings settings) {
    public boolean injected() {
      return !patch.isEmpty();
    }

    /** Everything to tell: the reason the pod was skipped, or the notices of an injected one. */
    public List<Notice> allNotices() {
      return warning == null ? notices : List.of(new Notice(SKIPPED, true, warning));
    }
  }

  public PodInjector(InjectConfig config, ClusterFacts cluster) {
    this.config = config;
    this.cluster = cluster;
  }

  /** The patch for {@code pod} (a Pod's JSON) in its own namespace (or "default"). */
  public Result inject(JsonNode pod) {
    return inject(pod, pod.path("metadata").path("namespace").asText("default"));
  }

  /** The patch for {@code pod} created in {@code namespace}; never throws on a bad pod, it returns a warning instead. */
  public Result inject(JsonNode pod, String namespace) {
    JsonNode spec = pod.path("spec");
    Map<String, String> annotations = new LinkedHashMap<>();
    pod.path("metadata").path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
    if (annotations.containsKey(InjectionSettings.INJECTED) || named(spec.path("initContainers"), INIT_CONTAINER) != null) {
      // Already injected (a re-invocation, or a pod spec copied from an injected one): nothing to do, nothing to warn.
      return new Result(JSON.createArrayNode(), null, List.of(), null);
    }
    try {
      InjectionSettings settings = InjectionSettings.read(annotations, spec.path("containers"));
      List<Notice> notices = new ArrayList<>();
      return new Result(patch(pod, namespace, settings, notices), null, List.copyOf(notices), settings);
    } catch (CannotInject e) {
      return new Result(JSON.createArrayNode(), "baton: pod admitted without Baton: " + e.getMessage(), List.of(), null);
    }
  }

  private ArrayNode patch(JsonNode pod, String namespace, InjectionSettings s, List<Notice> notices) throws CannotInject {
    JsonNode spec = pod.path("spec");
    JsonNode containers = spec.path("containers");
    int index = indexOf(containers, s.container());
    ObjectNode app = containers.get(index).deepCopy();

    List<String> appCommand = appCommand(app, s);
    List<String> ownVolumes = new ArrayList<>(List.of(config.volumeName(), config.tokenVolumeName()));
    if (s.usesAgentCache(config)) {
      ownVolumes.add(config.cacheVolumeName());
    }
    for (String volume : ownVolumes) {
      if (named(spec.path("volumes"), volume) != null) {
        throw new CannotInject("the pod already has a volume named " + volume + ": rename it, Baton's volumes "
            + ownVolumes + " use that name");
      }
    }
    for (JsonNode port : app.path("ports")) {
      if (PORT_NAME.equals(port.path("name").asText()) || port.path("containerPort").asInt() == s.controlPort()) {
        throw new CannotInject("container " + s.container() + " already has a port named baton or numbered "
            + s.controlPort() + ": set " + InjectionSettings.CONTROL_PORT + " to a free port");
      }
    }
    JsonNode toolOptions = named(app.path("env"), JAVA_TOOL_OPTIONS);
    if (toolOptions != null && toolOptions.has("valueFrom")) {
      throw new CannotInject("container " + s.container() + " takes JAVA_TOOL_OPTIONS from valueFrom, which the agent"
          + " cannot be appended to: set it as a plain value");
    }
    checkToken(namespace, s);

    String memory = memoryWarning(app, appCommand, toolOptions);
    if (memory != null) {
      notices.add(new Notice(MEMORY, true, "baton: " + memory));
    }
    wrap(app, s, appCommand, toolOptions);

    ArrayNode patch = JSON.createArrayNode();
    patch.add(op("replace", "/spec/containers/" + index, app));
    if (spec.path("initContainers").isArray()) {
      // First, so the jars are there before any other init container could want to run Java with the agent.
      patch.add(op("add", "/spec/initContainers/0", initContainer()));
    } else {
      patch.add(op("add", "/spec/initContainers", JSON.createArrayNode().add(initContainer())));
    }
    ArrayNode volumes = volumes(s);
    if (spec.path("volumes").isArray()) {
      volumes.forEach(v -> patch.add(op("add", "/spec/volumes/-", v)));
    } else {
      patch.add(op("add", "/spec/volumes", volumes));
    }
    // The kubelet SIGKILLs what is left when the grace period ends, preStop included: raising it costs a pod
    // that stops quickly nothing (the period is a ceiling), while a short one cuts every drain.
    ShutdownTime shutdown = ShutdownTime.of(s.preStopSeconds(), s.extraArgs(), s.agentArgs());
    long grace = spec.path("terminationGracePeriodSeconds").asLong(30); // the API server's default
    if (grace < shutdown.needed()) {
      patch.add(op("add", "/spec/terminationGracePeriodSeconds", JSON.getNodeFactory().numberNode(shutdown.needed())));
      notices.add(new Notice(GRACE_RAISED, false, "baton: terminationGracePeriodSeconds raised from " + grace + " to "
          + shutdown.needed() + " (" + shutdown.explain() + "), so the drain is not cut off by SIGKILL"));
    }
    if (pod.path("metadata").path("annotations").isObject()) {
      patch.add(op("add", "/metadata/annotations/" + InjectionSettings.INJECTED.replace("~", "~0").replace("/", "~1"),
          JSON.getNodeFactory().textNode(s.container())));
    } else {
      patch.add(op("add", "/metadata/annotations", JSON.createObjectNode().put(InjectionSettings.INJECTED, s.container())));
    }
    return patch;
  }

  /** The command baton runs: the container's own, or baton.dev/command for an image's ENTRYPOINT. */
  private static List<String> appCommand(JsonNode app, InjectionSettings s) throws CannotInject {
    List<String> own = new ArrayList<>();
    app.path("command").forEach(w -> own.add(w.asText()));
    if (!own.isEmpty() && s.command() != null) {
      throw new CannotInject("container " + s.container() + " has a command and " + InjectionSettings.COMMAND
          + " gives another: remove one of them");
    }
    if (own.isEmpty() && s.command() == null) {
      throw new CannotInject("container " + s.container() + " has no command to wrap (the image's ENTRYPOINT is not"
          + " visible to the webhook): set the container's command, or annotate the pod with " + InjectionSettings.COMMAND
          + " (the image's ENTRYPOINT, e.g. java -cp @/app/jib-classpath-file @/app/jib-main-class-file for Jib)");
    }
    return own.isEmpty() ? s.command() : own;
  }

  /** The pod's namespace must hold the control token Secret, or the pod would never start (a missing Secret volume). */
  private void checkToken(String namespace, InjectionSettings s) throws CannotInject {
    String secret = config.tokenSecret();
    if (s.tokenSecret() != null && !s.tokenSecret().equals(secret)) {
      throw new CannotInject(InjectionSettings.TOKEN_SECRET + "=" + s.tokenSecret() + " is not the operator's control"
          + " token Secret (" + (secret == null ? "none: the operator runs without a token" : secret) + "), with whose"
          + " token the operator calls every pod: remove the annotation");
    }
    if (secret != null) {
      String problem = cluster.tokenProblem(namespace, secret, config.tokenKey());
      if (problem != null) {
        throw new CannotInject(problem);
      }
    }
  }

  /** The memory check of the app container as submitted (its own JAVA_TOOL_OPTIONS, before the agent's). */
  private static String memoryWarning(JsonNode app, List<String> appCommand, JsonNode toolOptions) {
    List<String> argv = new ArrayList<>(appCommand);
    app.path("args").forEach(a -> argv.add(a.asText()));
    JsonNode jdkOptions = named(app.path("env"), JDK_JAVA_OPTIONS);
    return MemoryFit.check(app.path("name").asText(), argv, toolOptions == null ? null : toolOptions.path("value").asText(null),
        jdkOptions == null ? null : jdkOptions.path("value").asText(null),
        app.path("resources").path("limits").path("memory").asText(null));
  }

  /** The app container, changed in place: command, env (the agent), ports, probes, preStop, mounts. */
  private void wrap(ObjectNode app, InjectionSettings s, List<String> appCommand, JsonNode toolOptions) {
    ArrayNode command = JSON.createArrayNode();
    command.add(s.java() != null ? s.java() : config.java());
    config.javaOpts().forEach(command::add);
    command.add("-jar").add(config.supervisorJar());
    s.ports().forEach(p -> command.add("--port=" + p));
    command.add("--control=0.0.0.0:" + s.controlPort());
    if (config.tokenSecret() != null) {
      command.add("--control-token-file=" + config.tokenFile());
    }
    if (s.usesAgentCache(config)) {
      // the class-data cache of a java worker, in the cache volume; the pod's own flags (extraArgs) decide
      if (!hasOption(s.extraArgs(), "--jvm-cache")) {
        command.add("--jvm-cache=" + config.jvmCacheDirectory());
      }
      if (!hasOption(s.extraArgs(), "--jvm-cache-size")) {
        command.add("--jvm-cache-size=" + InjectConfig.JVM_CACHE_SIZE);
      }
    }
    s.extraArgs().forEach(command::add);
    command.add("--");
    appCommand.forEach(command::add);
    app.set("command", command);

    // cache= first: the agent's options are comma-separated and a later one wins, so the pod's own
    // cache= in its agent args still overrides it.
    List<String> options = new ArrayList<>();
    if (s.usesAgentCache(config)) {
      options.add("cache=" + config.agentCacheDirectory());
    }
    if (!s.agentArgs().isEmpty()) {
      options.add(s.agentArgs());
    }
    String agent = "-javaagent:" + config.agentJar() + (options.isEmpty() ? "" : "=" + String.join(",", options));
    if (toolOptions != null) {
      // Keep the app's own options; the agent goes last (the JVM reads them in order, later ones win).
      String own = toolOptions.path("value").asText("");
      ((ObjectNode) toolOptions).put("value", own.isBlank() ? agent : own.strip() + " " + agent);
    } else {
      ArrayNode env = JSON.createArrayNode();
      env.add(JSON.createObjectNode().put("name", JAVA_TOOL_OPTIONS).put("value", agent));
      app.path("env").forEach(env::add);
      app.set("env", env);
    }

    app.withArray("ports").add(JSON.createObjectNode().put("name", PORT_NAME).put("containerPort", s.controlPort())
        .put("protocol", "TCP"));

    ObjectNode ready = JSON.createObjectNode();
    ready.putObject("httpGet").put("path", "/readyz").put("port", PORT_NAME);
    ready.put("periodSeconds", 5).put("failureThreshold", 3);
    app.set("readinessProbe", ready);
    ObjectNode live = JSON.createObjectNode();
    live.putObject("httpGet").put("path", "/healthz").put("port", PORT_NAME);
    live.put("initialDelaySeconds", 10).put("periodSeconds", 10).put("failureThreshold", 3);
    app.set("livenessProbe", live);

    // preStop: the endpoint is removed while the pod sleeps, so no request arrives after baton's TERM.
    if (s.preStopSeconds() > 0) {
      ObjectNode lifecycle = app.path("lifecycle").isObject() ? (ObjectNode) app.get("lifecycle") : app.putObject("lifecycle");
      ObjectNode preStop = lifecycle.putObject("preStop");
      if (sleepAction()) {
        preStop.putObject("sleep").put("seconds", s.preStopSeconds());
      } else {
        preStop.putObject("exec").putArray("command").add("sleep").add(String.valueOf(s.preStopSeconds()));
      }
    }

    ArrayNode mounts = app.withArray("volumeMounts");
    mounts.add(JSON.createObjectNode().put("name", config.volumeName()).put("mountPath", config.mountPath()).put("readOnly", true));
    if (s.usesAgentCache(config)) {
      mounts.add(JSON.createObjectNode().put("name", config.cacheVolumeName()).put("mountPath", config.cacheMountPath()));
    }
    if (config.tokenSecret() != null) {
      mounts.add(JSON.createObjectNode().put("name", config.tokenVolumeName()).put("mountPath", parent(config.tokenFile()))
          .put("readOnly", true));
    }
  }

  /**
   * The native {@code lifecycle.preStop.sleep} (no {@code sleep} binary needed: distroless) where the API server is
   * known to have it; an older one would drop the field and then refuse the pod for a preStop without a handler.
   */
  private boolean sleepAction() {
    return config.preStop() == PreStop.SLEEP_ACTION
        || config.preStop() == PreStop.AUTO && cluster.minorVersion() >= SLEEP_ACTION_MINOR;
  }

  private ObjectNode initContainer() {
    ObjectNode init = JSON.createObjectNode().put("name", INIT_CONTAINER).put("image", config.image())
        .put("imagePullPolicy", config.imagePullPolicy());
    init.putArray("command").add("cp").add("/opt/baton/baton.jar").add("/opt/baton/baton-agent.jar").add("/baton-install/");
    ObjectNode security = init.putObject("securityContext").put("runAsNonRoot", true).put("readOnlyRootFilesystem", true)
        .put("allowPrivilegeEscalation", false);
    security.putObject("capabilities").putArray("drop").add("ALL");
    ObjectNode resources = init.putObject("resources");
    resources.putObject("requests").put("cpu", "10m").put("memory", "16Mi");
    resources.putObject("limits").put("memory", "64Mi");
    init.putArray("volumeMounts").add(JSON.createObjectNode().put("name", config.volumeName()).put("mountPath", "/baton-install"));
    return init;
  }

  /** Whether baton's {@code option} is among {@code args} ({@code --x=v} or {@code --x v}); baton refuses it twice. */
  private static boolean hasOption(List<String> args, String option) {
    return args.stream().anyMatch(a -> a.equals(option) || a.startsWith(option + "="));
  }

  private ArrayNode volumes(InjectionSettings s) {
    ArrayNode volumes = JSON.createArrayNode();
    ObjectNode jars = volumes.addObject().put("name", config.volumeName());
    jars.putObject("emptyDir").put("sizeLimit", "64Mi");
    if (s.usesAgentCache(config)) {
      // The agent's rewrite cache (~140 KiB of class files for a JDK HttpServer app) and baton's JVM cache
      // (an AOT cache or AppCDS archive: tens of MB). A read-only root file system leaves no other writable
      // directory; an emptyDir's root is mode 0777, so the agent and baton (any uid) create agent/ and jvm/
      // there as their own with mode 0700, as they require. It outlives container restarts, not the pod.
      volumes.addObject().put("name", config.cacheVolumeName()).putObject("emptyDir")
          .put("sizeLimit", InjectConfig.CACHE_VOLUME_SIZE);
    }
    if (config.tokenSecret() != null) {
      ObjectNode secret = volumes.addObject().put("name", config.tokenVolumeName()).putObject("secret")
          .put("secretName", config.tokenSecret());
      secret.putArray("items").addObject().put("key", config.tokenKey()).put("path", base(config.tokenFile()));
    }
    return volumes;
  }

  private static ObjectNode op(String op, String path, JsonNode value) {
    ObjectNode node = JSON.createObjectNode().put("op", op).put("path", path);
    node.set("value", value);
    return node;
  }

  /** The element of a JSON array of objects whose "name" is {@code name}, or null. */
  static JsonNode named(JsonNode items, String name) {
    for (JsonNode item : items) {
      if (name.equals(item.path("name").asText(null))) {
        return item;
      }
    }
    return null;
  }

  private static int indexOf(JsonNode containers, String name) {
    List<String> names = new ArrayList<>();
    containers.forEach(c -> names.add(c.path("name").asText()));
    return names.indexOf(name);
  }

  private static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash <= 0 ? "/" : path.substring(0, slash);
  }

  private static String base(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
