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
 * @param cache {@code none}, or {@code cds} (an AppCDS archive of the sample made by a training run); the
 *     place where a Baton-managed cache ({@code aot}) will go
 * @param killOldDelay the supervisor's {@code --kill-old-delay} in seconds, or null for its default (0)
 */
record WorkerSetup(WorkerKind kind, String java, String jdk, List<String> jvmArgs, String cache, Double killOldDelay) {

  WorkerSetup {
    jvmArgs = List.copyOf(jvmArgs);
  }

  /** {@code JDK HttpServer + agent (baton)}. */
  String worker() {
    return kind.title() + (kind.jvm() ? " + agent" : "") + " (" + kind.supervisor() + ")";
  }

  /** {@code JDK 17, -XX:TieredStopAtLevel=1, AppCDS}, or {@code —} for a worker that is no JVM. */
  String jvm() {
    if (!kind.jvm()) {
      return "—";
    }
    return jdk + ", " + (jvmArgs.isEmpty() ? "defaults" : String.join(" ", jvmArgs))
        + ("none".equals(cache) ? "" : ", " + ("cds".equals(cache) ? "AppCDS" : cache));
  }

  /** {@code kill-old-delay 0.5 s}, or empty. */
  String handover() {
    return killOldDelay == null ? "" : String.format(Locale.ROOT, "kill-old-delay %s s", seconds(killOldDelay));
  }

  /** For file names: {@code jdk-jdk17-defaults-kod0.5}. */
  String slug() {
    String text = kind.id() + (kind.jvm() ? "-" + jdk + "-" + (jvmArgs.isEmpty() ? "defaults" : String.join("", jvmArgs))
        + ("none".equals(cache) ? "" : "-" + cache) : "") + (killOldDelay == null ? "" : "-kod" + seconds(killOldDelay));
    return text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("-+", "-").replaceAll("^-|-$", "");
  }

  static String seconds(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }
}
