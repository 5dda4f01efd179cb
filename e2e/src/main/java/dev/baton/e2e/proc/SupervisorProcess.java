package dev.baton.e2e.proc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A running supervisor ({@code bin/baton} or Perl's {@code start_server}) and its workers. Its stdout
 * and stderr (which the workers share) go to a log file and to {@link #lines()}, each line stamped with
 * the time it was read. {@link #close()} stops it and kills whatever it leaves behind.
 */
public final class SupervisorProcess implements AutoCloseable {

  /** One line of output and when it was read ({@link System#currentTimeMillis()}). */
  public record Line(long atMillis, String text) {}

  private final Process process;
  private final List<Line> lines = new CopyOnWriteArrayList<>();
  private final Thread reader;
  private final List<ProcessHandle> seen = new CopyOnWriteArrayList<>();

  private SupervisorProcess(Process process, Path log, Consumer<String> echo) throws IOException {
    this.process = process;
    Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
    this.reader = new Thread(() -> pump(out, echo), "supervisor-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts {@code command} in {@code dir} with {@code env} added to this process's environment.
   *
   * @param echo receives every output line as it comes (for a demo's live view); may be null
   */
  public static SupervisorProcess start(List<String> command, Path dir, Map<String, String> env, Path log,
      Consumer<String> echo) {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    try {
      return new SupervisorProcess(builder.start(), log, echo);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public List<Line> lines() {
    return lines;
  }

  /** The lines read at or after {@code sinceMillis} that satisfy {@code test}. */
  public List<Line> lines(long sinceMillis, Predicate<String> test) {
    List<Line> found = new ArrayList<>();
    for (Line line : lines) {
      if (line.atMillis() >= sinceMillis && test.test(line.text())) {
        found.add(line);
      }
    }
    return found;
  }

  public String output() {
    StringBuilder text = new StringBuilder();
    lines.forEach(l -> text.append(l.text()).append('\n'));
    return text.toString();
  }

  /** {@code kill -HUP}: what an operator does to reload. */
  public void hup() {
    signal("HUP");
  }

  public void signal(String name) {
    rememberDescendants();
    Signals.send(process.pid(), name);
  }

  /** Pids of the supervisor's live children (its workers, and for Starlet their masters). */
  public List<Long> children() {
    return process.children().map(ProcessHandle::pid).toList();
  }

  /** TERM, wait up to {@code grace}, then KILL the supervisor and every worker still alive. */
  public void stop(Duration grace) {
    rememberDescendants();
    if (process.isAlive()) {
      Signals.send(process.pid(), "TERM");
      try {
        process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    process.destroyForcibly();
    for (ProcessHandle p : seen) {
      p.destroyForcibly();
    }
    try {
      process.waitFor(5, TimeUnit.SECONDS);
      reader.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(20));
  }

  /** Workers started since the last look, so that they are killed even if the supervisor dies first. */
  private void rememberDescendants() {
    process.descendants().filter(p -> !seen.contains(p)).forEach(seen::add);
    seen.removeIf(p -> !p.isAlive());
  }

  private void pump(Writer out, Consumer<String> echo) {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)); out) {
      String line;
      while ((line = in.readLine()) != null) {
        lines.add(new Line(System.currentTimeMillis(), line));
        out.write(line);
        out.write('\n');
        out.flush();
        if (echo != null) {
          echo.accept(line);
        }
        if (lines.size() % 16 == 0) {
          rememberDescendants();
        }
      }
    } catch (IOException e) {
      // the supervisor is gone
    }
  }
}
