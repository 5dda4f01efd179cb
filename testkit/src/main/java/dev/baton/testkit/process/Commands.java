package dev.baton.testkit.process;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Commands run to their end, as a user types them: the exit code and the output (standard output and error merged). */
public final class Commands {

  /** A finished command. */
  public record Result(int exit, String output) {

    /** This result, if the exit code is 0; else an assertion error showing the output. */
    public Result ok() {
      if (exit != 0) {
        throw new AssertionError("exit code " + exit + "; output:\n" + output);
      }
      return this;
    }
  }

  private Commands() {}

  public static Result run(Duration timeout, String... command) throws IOException, InterruptedException {
    return run(timeout, Map.of(), List.of(command));
  }

  /**
   * Runs {@code command} with {@code env} added to this JVM's environment; after {@code timeout} it and its
   * descendants are killed and an assertion error shows what it wrote.
   */
  public static Result run(Duration timeout, Map<String, String> env, List<String> command)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Path out = Files.createTempFile("baton-command", ".out");
    builder.redirectOutput(out.toFile());
    try {
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
        throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + "; output:\n"
            + Files.readString(out, StandardCharsets.UTF_8));
      }
      return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** {@code name} as found on the PATH, or null. */
  public static Path onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (!dir.isEmpty() && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }
}
