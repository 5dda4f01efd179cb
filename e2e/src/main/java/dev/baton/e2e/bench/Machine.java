package dev.baton.e2e.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Facts about the machine and the versions of everything measured, for the results file. */
final class Machine {

  private Machine() {}

  static Map<String, String> facts(Path root, Path agentJar) {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("cpu", firstLine(read("/proc/cpuinfo"), "model name").replaceFirst(".*:\\s*", ""));
    facts.put("nproc", Integer.toString(Runtime.getRuntime().availableProcessors()));
    facts.put("memory", firstLine(read("/proc/meminfo"), "MemTotal").replaceFirst(".*:\\s*", ""));
    facts.put("kernel", run(List.of("uname", "-srm")));
    facts.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
        + " (" + System.getProperty("java.vendor") + ")");
    facts.put("baton", run(List.of(root.resolve("bin/baton").toString(), "--version")));
    String dirty = run(List.of("git", "-C", root.toString(), "status", "--porcelain", "--untracked-files=no"));
    facts.put("commit", run(List.of("git", "-C", root.toString(), "rev-parse", "--short", "HEAD"))
        + (dirty.isEmpty() || dirty.equals("n/a") ? "" : " (with uncommitted changes)"));
    facts.put("agent jar", describe(agentJar));
    facts.put("load average", read("/proc/loadavg").trim()
        + " (1, 5, 15 min, at the end: other processes on the machine share its 2 cores)");
    facts.put("Vert.x", vertxVersion());
    facts.put("ab", run(List.of("ab", "-V")).replaceFirst("\\n[\\s\\S]*", ""));
    facts.put("wrk", run(List.of("wrk", "-v")).replaceFirst("\\n[\\s\\S]*", ""));
    facts.put("Perl start_server", run(List.of("perl", "-MServer::Starter", "-e", "print $Server::Starter::VERSION")));
    facts.put("Starlet", run(List.of("perl", "-MStarlet", "-e", "print $Starlet::VERSION")));
    facts.put("ulimit -n", run(List.of("sh", "-c", "ulimit -n")));
    return facts;
  }

  private static String describe(Path jar) {
    try {
      return jar + ", " + Files.size(jar) + " bytes, " + Files.getLastModifiedTime(jar);
    } catch (IOException e) {
      return jar + " (missing)";
    }
  }

  private static String vertxVersion() {
    try (var in = Machine.class.getResourceAsStream("/META-INF/vertx/vertx-version.txt")) {
      return in == null ? "n/a" : new String(in.readAllBytes()).trim();
    } catch (IOException e) {
      return "n/a";
    }
  }

  private static String read(String path) {
    try {
      return Files.readString(Path.of(path));
    } catch (IOException e) {
      return "";
    }
  }

  private static String firstLine(String text, String prefix) {
    return text.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("?");
  }

  static String run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor(20, TimeUnit.SECONDS) && !out.isEmpty() ? out : "n/a";
    } catch (IOException e) {
      return "n/a";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "n/a";
    }
  }
}
