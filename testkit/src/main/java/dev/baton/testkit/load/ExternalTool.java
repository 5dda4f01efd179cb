package dev.baton.testkit.load;

import dev.baton.testkit.process.Commands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A load tool ({@code ab}, {@code wrk}) run to its end, its output (standard output and error) kept. */
public final class ExternalTool {

  /** A started run. */
  public static final class Running {
    private final List<String> command;
    private final Process process;
    private final Path out;

    private Running(List<String> command) {
      this.command = command;
      try {
        this.out = Files.createTempFile("baton-load", ".txt");
        this.process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot run " + command, e);
      }
    }

    public boolean isAlive() {
      return process.isAlive();
    }

    /** Waits for its end: its exit code and output; killed and an error after {@code timeout}. */
    public Commands.Result finish(Duration timeout) {
      try {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout.toSeconds()
              + " s");
        }
        return new Commands.Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the output of " + command, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while running " + command, e);
      } finally {
        try {
          Files.deleteIfExists(out);
        } catch (IOException e) {
          // a temporary file left behind
        }
      }
    }
  }

  private ExternalTool() {}

  static boolean onPath(String name) {
    return Commands.onPath(name) != null;
  }

  static Running start(List<String> command) {
    return new Running(command);
  }

  static String run(List<String> command, long timeoutSeconds) {
    return start(command).finish(Duration.ofSeconds(timeoutSeconds)).output();
  }

  static IllegalStateException unreadable(String tool, String output, String what) {
    return new IllegalStateException("cannot read " + what + " from " + tool + "'s output:\n" + output);
  }
}
