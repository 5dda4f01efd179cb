package dev.baton.e2e.bench;

import dev.baton.e2e.server.WorkerKind;
import java.util.List;
import java.util.Locale;

/**
 * One configuration the benchmark measures: a worker kind and, for the JVM samples, the JDK, its
 * options and a class-data cache; for baton, a {@code --kill-old-delay} and (JVM workers) the agent's warm-up.
 *
 * @param java the JVM workers' java (null for the others)
 * @param jdk its version, e.g. {@code JDK 17}, for the tables
 * @param jvmArgs options before {@code -javaagent}
 * @param cache a class-data cache made by a training run, as {@code bench/agent-cost} makes them (a
 *     Baton-managed cache, once baton trains one itself, goes here too)
 * @param killOldDelay the supervisor's {@code --kill-old-delay} in seconds, or null for its default (0)
 * @param warmUp the agent's warm-up, {@code N} or {@code N:TIME} (its options {@code warmUp=N,warmUpTime=TIME}:
 *     the old generation serves until the new one has answered N requests, at most TIME), or null for none
 */
record WorkerSetup(WorkerKind kind, String java, String jdk, List<String> jvmArgs, AgentCost.Cache cache,
    Double killOldDelay, String warmUp) {

  WorkerSetup {
    jvmArgs = List.copyOf(jvmArgs);
  }

  /** {@code JDK HttpServer + agent (baton)}. */
  String worker() {
    return kind.title() + (kind.jvm() ? " + agent" : "") + " (" + kind.supervisor() + ")";
  }

  /** {@code JDK HttpServer + agent (baton), kill-old-delay 0.5 s}: the worker and its handover, if any. */
  String name() {
    String handover = handover();
    return worker() + (handover.isEmpty() ? "" : ", " + handover);
  }

  /** {@link #name} and, for a JVM worker, {@code [}{@link #jvm}{@code ]}: for the tables without a JVM column. */
  String fullName() {
    return name() + (kind.jvm() ? " [" + jvm() + "]" : "");
  }

  /** {@code JDK 17, -XX:TieredStopAtLevel=1 -XX:+UseSerialGC, AppCDS}, or {@code —} for a worker that is no JVM. */
  String jvm() {
    if (!kind.jvm()) {
      return "—";
    }
    return jdk + ", " + (jvmArgs.isEmpty() ? "defaults" : String.join(" ", jvmArgs))
        + (cache == AgentCost.Cache.NONE ? "" : ", " + cache.label);
  }

  /** {@code kill-old-delay 0.5 s}, {@code warm-up 200 requests, at most 5s}, both, or empty. */
  String handover() {
    String delay = killOldDelay == null ? "" : String.format(Locale.ROOT, "kill-old-delay %s s", seconds(killOldDelay));
    if (warmUp == null) {
      return delay;
    }
    String[] parts = warmUp.split(":", 2);
    String text = "warm-up " + parts[0] + " requests" + (parts.length > 1 ? ", at most " + parts[1] : "");
    return delay.isEmpty() ? text : delay + ", " + text;
  }

  /** The agent's options for {@link #warmUp}, e.g. {@code warmUp=200,warmUpTime=5s}; empty without one. */
  String agentOptions() {
    if (warmUp == null) {
      return "";
    }
    String[] parts = warmUp.split(":", 2);
    return "warmUp=" + parts[0] + (parts.length > 1 ? ",warmUpTime=" + parts[1] : "");
  }

  /** For file names: {@code jdk-jdk17-defaults-kod0.5}. */
  String slug() {
    String text = kind.id() + (kind.jvm() ? "-" + jdk + "-" + (jvmArgs.isEmpty() ? "defaults" : String.join("", jvmArgs))
        + (cache == AgentCost.Cache.NONE ? "" : "-" + cache.label) : "") + (killOldDelay == null ? "" : "-kod" + seconds(killOldDelay))
        + (warmUp == null ? "" : "-wu" + warmUp);
    return text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("-+", "-").replaceAll("^-|-$", "");
  }

  static String seconds(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }
}
