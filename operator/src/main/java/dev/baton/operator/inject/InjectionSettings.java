package dev.baton.operator.inject;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A pod's Baton settings, read from its annotations. Every problem is a {@link CannotInject} whose
 * message names the annotation and the fix: the webhook then admits the pod unchanged with that warning.
 */
public record InjectionSettings(String container, List<String> ports, int controlPort, String tokenSecret,
    List<String> extraArgs, String agentArgs, Boolean agentCache, int preStopSeconds, List<String> command, String java) {

  /** The label that selects pods for injection (the webhook's objectSelector). */
  public static final String INJECT_LABEL = "baton.dev/inject";
  /** Which container to wrap; default: the first. */
  public static final String CONTAINER = "baton.dev/container";
  /** Comma-separated {@code baton --port} values; default: the container's TCP containerPorts. */
  public static final String PORTS = "baton.dev/ports";
  /** baton's control port, exposed as the container port named {@code baton}; default 8081. */
  public static final String CONTROL_PORT = "baton.dev/control-port";
  /**
   * The control token Secret; it must be the operator's ({@code --token-secret}, one name everywhere), so it
   * only restates it. Default: the operator's.
   */
  public static final String TOKEN_SECRET = "baton.dev/token-secret";
  /**
   * The app's command, for a container without {@code command} (the image's ENTRYPOINT, which the webhook
   * cannot see: Jib, buildpacks): a JSON array of strings, or words separated by spaces. The container's
   * {@code args} still follow it.
   */
  public static final String COMMAND = "baton.dev/command";
  /** The java binary that runs baton, for images without {@code java} on the PATH; default: {@code java}. */
  public static final String JAVA = "baton.dev/java";
  /** More baton flags, separated by spaces, e.g. {@code --drain-timeout=30s}; default: none. */
  public static final String ARGS = "baton.dev/args";
  /** Agent options, appended as {@code -javaagent:...=OPTIONS}; default: none. */
  public static final String AGENT_ARGS = "baton.dev/agent-args";
  /**
   * {@code "true"} or {@code "false"}: a writable emptyDir for the agent's rewrite cache, passed as its
   * {@code cache=} option; default: the operator's {@code --inject-agent-cache} (on).
   */
  public static final String AGENT_CACHE = "baton.dev/agent-cache";
  /** Seconds of the preStop sleep; default 5. */
  public static final String PRESTOP_SECONDS = "baton.dev/prestop-seconds";
  /** Set by the webhook (value: the wrapped container) so a pod is never injected twice. */
  public static final String INJECTED = "baton.dev/injected";

  static final int DEFAULT_CONTROL_PORT = 8081;
  static final int DEFAULT_PRESTOP_SECONDS = 5;

  // A --port value baton accepts for TCP: PORT, HOST:PORT or [IPV6]:PORT.
  private static final Pattern PORT_SPEC = Pattern.compile("(?:(?:\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):)?(\\d{1,5})");
  // The same syntax Kubernetes asks of a Secret's name (a DNS subdomain).
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  // Flags the webhook sets itself: given again in baton.dev/args they would contradict it.
  private static final List<String> OWN_FLAGS = List.of("--port", "--control", "--control-token-file");
  // Flags that turn baton into something other than the container's supervisor (a client, a daemon, help).
  private static final List<String> NOT_SUPERVISING = List.of("--stop", "--restart", "--daemonize", "--help", "-h",
      "--version", "-V");

  /** Thrown when a pod cannot be injected; the message is the one-line warning users see. */
  public static final class CannotInject extends Exception {
    private static final long serialVersionUID = 1L;

    public CannotInject(String message) {
      super(message);
    }
  }

  /** Reads the settings from the pod's annotations; {@code containers} is the pod's spec.containers. */
  public static InjectionSettings read(Map<String, String> annotations, JsonNode containers) throws CannotInject {
    if (containers == null || !containers.isArray() || containers.isEmpty()) {
      throw new CannotInject("the pod has no containers");
    }
    String container = annotations.get(CONTAINER);
    JsonNode target;
    if (container == null) {
      target = containers.get(0);
      container = target.path("name").asText();
    } else {
      target = PodInjector.named(containers, container.trim());
      if (target == null) {
        List<String> names = new ArrayList<>();
        containers.forEach(c -> names.add(c.path("name").asText()));
        throw new CannotInject(CONTAINER + "=" + container + " names no container of the pod: use one of " + names);
      }
      container = container.trim();
    }

    int controlPort = intAnnotation(annotations, CONTROL_PORT, DEFAULT_CONTROL_PORT, 1, 65535);
    List<String> ports = ports(annotations.get(PORTS), target, controlPort);

    String tokenSecret = annotations.get(TOKEN_SECRET);
    if (tokenSecret != null) {
      tokenSecret = tokenSecret.trim();
      if (!DNS_SUBDOMAIN.matcher(tokenSecret).matches() || tokenSecret.length() > 253) {
        throw new CannotInject(TOKEN_SECRET + "=" + tokenSecret + " is not a Secret name: use the name of a Secret"
            + " in the pod's namespace with the token under the key \"token\"");
      }
    }

    List<String> extraArgs = new ArrayList<>();
    String args = annotations.getOrDefault(ARGS, "").trim();
    if (!args.isEmpty()) {
      for (String arg : args.split("\\s+")) {
        if (!arg.startsWith("--") || arg.equals("--")) {
          throw new CannotInject(ARGS + " holds \"" + arg + "\": give only baton flags such as --drain-timeout=30s,"
              + " separated by spaces (the app's command comes from the container)");
        }
        String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        if (NOT_SUPERVISING.contains(flag)) {
          throw new CannotInject(ARGS + " holds " + flag + ", with which baton would not run the app in the foreground:"
              + " remove it");
        }
        if (OWN_FLAGS.contains(flag)) {
          throw new CannotInject(ARGS + " holds " + flag + ", which the webhook sets: use " + PORTS + ", "
              + CONTROL_PORT + " or " + TOKEN_SECRET + " instead");
        }
        extraArgs.add(arg);
      }
    }

    String agentArgs = annotations.getOrDefault(AGENT_ARGS, "").trim();
    if (agentArgs.contains(" ")) {
      throw new CannotInject(AGENT_ARGS + "=" + agentArgs + " contains a space: agent options are comma-separated,"
          + " e.g. drainTimeout=20s,signal=TERM");
    }
    Boolean agentCache = null;
    String cache = annotations.get(AGENT_CACHE);
    if (cache != null) {
      switch (cache.trim()) {
        case "true" -> agentCache = true;
        case "false" -> agentCache = false;
        default -> throw new CannotInject(AGENT_CACHE + "=" + cache + " is not true or false: give " + AGENT_CACHE
            + "=false to leave the agent's rewrite cache volume out, or remove the annotation");
      }
    }
    int preStop = intAnnotation(annotations, PRESTOP_SECONDS, DEFAULT_PRESTOP_SECONDS, 0, 3600);
    List<String> command = command(annotations.get(COMMAND));
    String java = annotations.get(JAVA);
    if (java != null) {
      java = java.strip();
      if (java.isEmpty() || java.contains(" ")) {
        throw new CannotInject(JAVA + "=" + annotations.get(JAVA) + " is not a path: give the java binary of the app's"
            + " image, e.g. /opt/java/openjdk/bin/java");
      }
    }
    return new InjectionSettings(container, List.copyOf(ports), controlPort, tokenSecret, List.copyOf(extraArgs),
        agentArgs, agentCache, preStop, command, java);
  }

  /** baton.dev/command: a JSON array of strings or space-separated words; null without the annotation. */
  private static List<String> command(String value) throws CannotInject {
    if (value == null) {
      return null;
    }
    String v = value.strip();
    List<String> command = new ArrayList<>();
    if (v.startsWith("[")) {
      try {
        JsonNode array = new com.fasterxml.jackson.databind.ObjectMapper().readTree(v);
        for (JsonNode word : array) {
          if (!word.isTextual()) {
            throw new CannotInject(COMMAND + " holds " + word + ", not a string: give a JSON array of strings,"
                + " e.g. [\"java\", \"-jar\", \"/app/app.jar\"]");
          }
          command.add(word.asText());
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new CannotInject(COMMAND + " starts with [ but is not a JSON array: give e.g. [\"java\", \"-jar\","
            + " \"/app/app.jar\"] or words separated by spaces");
      }
    } else if (!v.isEmpty()) {
      command.addAll(List.of(v.split("\\s+")));
    }
    if (command.isEmpty() || command.get(0).isBlank()) {
      throw new CannotInject(COMMAND + " is empty: give the app's command, e.g. java -cp @/app/jib-classpath-file"
          + " @/app/jib-main-class-file (Jib's entrypoint)");
    }
    return List.copyOf(command);
  }

  /** Whether this pod gets the agent's cache volume: its annotation, else the operator's default. */
  public boolean usesAgentCache(InjectConfig config) {
    return agentCache != null ? agentCache : config.agentCache();
  }

  private static List<String> ports(String annotation, JsonNode container, int controlPort) throws CannotInject {
    List<String> ports = new ArrayList<>();
    if (annotation != null) {
      for (String spec : annotation.split(",")) {
        spec = spec.trim();
        var m = PORT_SPEC.matcher(spec);
        int port = m.matches() ? Integer.parseInt(m.group(1)) : -1;
        if (port < 1 || port > 65535) {
          throw new CannotInject(PORTS + "=" + annotation + " has \"" + spec + "\", not a port: give comma-separated"
              + " ports such as 8080 or 0.0.0.0:8080,8443");
        }
        if (port == controlPort) {
          throw new CannotInject(PORTS + "=" + annotation + " uses baton's control port " + controlPort
              + ": pick another app port or set " + CONTROL_PORT);
        }
        ports.add(spec);
      }
    } else {
      for (JsonNode p : container.path("ports")) {
        boolean tcp = !p.has("protocol") || "TCP".equals(p.path("protocol").asText());
        if (p.path("containerPort").asInt() == controlPort) {
          throw new CannotInject("container " + container.path("name").asText() + " already has a port numbered "
              + controlPort + ", baton's control port: set " + CONTROL_PORT + " to a free port");
        }
        if (tcp) {
          ports.add(String.valueOf(p.path("containerPort").asInt()));
        }
      }
      if (ports.isEmpty()) {
        throw new CannotInject("container " + container.path("name").asText() + " declares no TCP port for baton to"
            + " open: annotate the pod with " + PORTS + "=8080 (the app's listening ports, comma-separated)");
      }
    }
    return ports;
  }

  private static int intAnnotation(Map<String, String> annotations, String key, int dflt, int min, int max)
      throws CannotInject {
    String value = annotations.get(key);
    if (value == null) {
      return dflt;
    }
    try {
      int i = Integer.parseInt(value.trim());
      if (i >= min && i <= max) {
        return i;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new CannotInject(key + "=" + value + " is not a number from " + min + " to " + max + ": e.g. " + key + "=" + dflt);
  }

  @Override
  public String toString() {
    return "container " + container + ", ports " + ports + ", control port " + controlPort
        + (extraArgs.isEmpty() ? "" : ", args " + Arrays.toString(extraArgs.toArray()));
  }
}
