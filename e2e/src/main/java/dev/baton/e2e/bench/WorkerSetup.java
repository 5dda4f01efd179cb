package dev.baton.e2e.bench;

import dev.baton.e2e.server.WorkerKind;
import java.util.List;
import java.util.Locale;

/**
 * One configuration the benchmark measures: a worker kind and, for the JVM samples, the JDK, its
 * options and a class-data cache; for baton, a {@code --kill-old-delay}.
 *
 * @param java the JVM workers' java (null for the others)
 * @param jdk its version, e.g. {@code JDK 17}, for the tables
 * @param jvmArgs options before {@code -javaagent}
 * @param cache a class-data cache made by a training run, as {@code bench/agent-cost} makes them (a
 *     Baton-managed cache, once baton trains one itself, goes here too)
 * @param killOldDelay the supervisor's {@code --kill-old-delay} in seconds, or null for its default (0)
 */
record WorkerSetup(WorkerKind kind, String java, String jdk, List<String> jvmArgs, AgentCost.Cache cache,
    Double killOldDelay) {

  WorkerSetup {
    jvmArgs = List.copyOf(jvmArgs);
  }

  /** {@code JDK HttpServer + agent (baton)}. */
  String worker() {
    return kind.title() + (kind.jvm() ? " + agent" : "") + " (" + kind.supervisor() + ")";
  }

  /** {@code JDK 17, -XX:TieredStopAtLevel=1 -XX:+UseSerialGC, AppCDS}, or {@code —} for a worker that is no JVM. */
  String jvm() {
    if (!kind.jvm()) {
      return "—";
    }
    return jdk + ", " + (jvmArgs.isEmpty() ? "defaults" : String.join(" ", jvmArgs))
        + (cache == AgentCost.Cache.NONE ? "" : ", " + cache.label);
  }

  /** {@code kill-old-delay 0.5 s}, or empty. */
  String handover() {
    return killOldDelay == null ? "" : String.format(Locale.ROOT, "kill-old-delay %s s", seconds(killOldDelay));
  }

  /** For file names: {@code jdk-jdk17-defaults-kod0.5}. */
  String slug() {
    String text = kind.id() + (kind.jvm() ? "-" + jdk + "-" + (jvmArgs.isEmpty() ? "defaults" : String.join("", jvmArgs))
        + (cache == AgentCost.Cache.NONE ? "" : "-" + cache.label) : "") + (killOldDelay == null ? "" : "-kod" + seconds(killOldDelay));
    return text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("-+", "-").replaceAll("^-|-$", "");
  }

  static String seconds(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }
}
