package dev.baton.testkit.process;

import dev.baton.testkit.signal.Signals;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A process a test (or the demo) started: its output read line by line as it comes, each line stamped with when
 * it was read, so that a test waits for a line instead of sleeping; signals sent by name; and on {@link #close()}
 * it is stopped ({@code TERM}, a grace, then {@code KILL}, or {@code KILL} at once) together with every
 * descendant it was seen with, so that workers orphaned by a supervisor that died are not left behind.
 * Standard output and error are read as one stream unless {@link Spec#separateStderr()} asks otherwise.
 */
public class StartedProcess implements AutoCloseable {

  /** One line of output, when it was read ({@link System#currentTimeMillis()}, {@link System#nanoTime()}). */
  public record Line(long atMillis, long atNanos, String text) {

    /** A line read at {@code atMillis} (a reader of collected lines under test has no use for the nanos). */
    public Line(long atMillis, String text) {
      this(atMillis, 0, text);
    }
  }

  private final Process process;
  private final List<Line> out = new CopyOnWriteArrayList<>();
  private final List<Line> err;
  private final CountDownLatch outputEnded;
  private final List<ProcessHandle> seen = new CopyOnWriteArrayList<>();
  private final Duration stopGrace;
  private final Writer log;
  private final Consumer<String> echo;

  /** How to start it; {@link #start()} starts it. */
  public static Spec command(List<String> command) {
    return new Spec(command);
  }

  protected StartedProcess(Spec spec) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(spec.command).redirectErrorStream(!spec.separateStderr);
    if (spec.dir != null) {
      builder.directory(spec.dir.toFile());
    }
    spec.removedEnv.forEach(builder.environment()::remove);
    builder.environment().putAll(spec.env);
    this.stopGrace = spec.stopGrace;
    this.echo = spec.echo;
    this.process = builder.start();
    try {
      this.log = spec.log == null ? null : Files.newBufferedWriter(spec.log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      process.destroyForcibly();
      throw e;
    }
    this.err = spec.separateStderr ? new CopyOnWriteArrayList<>() : out;
    this.outputEnded = new CountDownLatch(spec.separateStderr ? 2 : 1);
    read(process.getInputStream(), out, "out");
    if (spec.separateStderr) {
      read(process.getErrorStream(), err, "err");
    }
  }

  public long pid() {
    return process.pid();
  }

  public ProcessHandle handle() {
    return process.toHandle();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Every line of standard output (with standard error, unless separate) so far; later lines are appended. */
  public List<Line> lines() {
    return Collections.unmodifiableList(out);
  }

  /** The lines read at or after {@code sinceMillis} that satisfy {@code test}. */
  public List<Line> lines(long sinceMillis, Predicate<String> test) {
    List<Line> found = new ArrayList<>();
    for (Line line : out) {
      if (line.atMillis() >= sinceMillis && test.test(line.text())) {
        found.add(line);
      }
    }
    return found;
  }

  /** The text of {@link #lines()}. */
  public List<String> stdout() {
    return texts(out);
  }

  /** Standard error's lines when read apart, else the same as {@link #stdout()}. */
  public List<String> stderr() {
    return texts(err);
  }

  /** Standard output (with standard error, unless separate), one line after the other. */
  public String output() {
    return String.join("\n", stdout());
  }

  /** Every line, standard output then standard error when they are apart: for assertion messages. */
  public String transcript() {
    if (err == out) {
      return output();
    }
    List<String> all = new ArrayList<>(stdout());
    all.add("--- stderr ---");
    all.addAll(stderr());
    return String.join("\n", all);
  }

  /** Waits for a line of standard output satisfying {@code line}, and returns the first such line. */
  public String awaitStdout(Predicate<String> line, Duration atMost) {
    return await(out, line, "a line of output", atMost);
  }

  /** Waits for a line of standard error satisfying {@code line} (the output when not read apart). */
  public String awaitStderr(Predicate<String> line, Duration atMost) {
    return await(err, line, "a line of standard error", atMost);
  }

  /** Waits for a line of output matching {@code regex} (anywhere in it), and returns the first. */
  public String awaitLine(String regex, Duration atMost) {
    Pattern p = Pattern.compile(regex);
    return await(out, l -> p.matcher(l).find(), "a line matching /" + regex + "/", atMost);
  }

  /** How many lines of output match {@code regex} (anywhere in them). */
  public long count(String regex) {
    Pattern p = Pattern.compile(regex);
    return out.stream().filter(l -> p.matcher(l.text()).find()).count();
  }

  /** Sends the signal ({@code HUP}, {@code TERM}…), failing if the process is not there to get it. */
  public void signal(String name) {
    rememberDescendants();
    Signals.require(pid(), name);
  }

  /** Sends the signal if the process is still there; false if it was gone. */
  public boolean signalIfAlive(String name) {
    rememberDescendants();
    return Signals.send(pid(), name);
  }

  /** {@code kill -HUP}. */
  public void hup() {
    signal("HUP");
  }

  /** Pids of its live children. */
  public List<Long> children() {
    return process.children().map(ProcessHandle::pid).toList();
  }

  /** Waits for its exit and returns the exit code; fails with the transcript after {@code atMost}. */
  public int awaitExit(Duration atMost) {
    try {
      if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("pid " + pid() + " did not exit within " + atMost + "; its output:\n" + transcript());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for pid " + pid() + " to exit", e);
    }
    return process.exitValue();
  }

  /** Waits until its output has been read to the end (after its exit: every line it wrote is in {@link #lines()}). */
  public void awaitOutputEnd(Duration atMost) throws InterruptedException {
    outputEnded.await(atMost.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * {@code TERM}, up to {@code grace} for it to exit, then {@code KILL} it and every descendant it was seen with
   * that is still alive; with a zero grace {@code KILL} at once.
   */
  public void stop(Duration grace) {
    rememberDescendants();
    if (process.isAlive() && !grace.isZero()) {
      Signals.send(pid(), "TERM");
      try {
        process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // Through the handle: Process.destroyForcibly() also closes the pipes, and a reader that has not yet read
    // the process's last lines (say, what it printed on TERM) would lose them to a "Stream closed".
    process.toHandle().destroyForcibly();
    seen.forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(5, TimeUnit.SECONDS);
      outputEnded.await(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@link #stop} with the grace it was started with. */
  @Override
  public void close() {
    stop(stopGrace);
  }

  private String await(List<Line> lines, Predicate<String> test, String what, Duration atMost) {
    Line[] found = new Line[1];
    Poll.until(() -> (found[0] = first(lines, test)) != null, atMost, () -> outputEnded.getCount() == 0,
        () -> "no " + what + " from pid " + pid() + (outputEnded.getCount() == 0 ? ", whose output ended" : "")
            + "; its output:\n" + transcript());
    return found[0].text();
  }

  private static Line first(List<Line> lines, Predicate<String> test) {
    for (Line line : lines) {
      if (test.test(line.text())) {
        return line;
      }
    }
    return null;
  }

  private static List<String> texts(List<Line> lines) {
    return lines.stream().map(Line::text).toList();
  }

  /** Descendants started since the last look, so that they are killed even if the process dies first. */
  private void rememberDescendants() {
    process.descendants().filter(p -> !seen.contains(p)).forEach(seen::add);
    seen.removeIf(p -> !p.isAlive());
  }

  private void read(InputStream stream, List<Line> lines, String name) {
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        String text;
        while ((text = in.readLine()) != null) {
          lines.add(new Line(System.currentTimeMillis(), System.nanoTime(), text));
          if (log != null) {
            synchronized (log) {
              log.write(text);
              log.write('\n');
              log.flush();
            }
          }
          if (echo != null) {
            echo.accept(text);
          }
          if (lines.size() % 16 == 0) {
            rememberDescendants();
          }
        }
      } catch (IOException e) {
        // the process is gone
      } finally {
        outputEnded.countDown();
        if (log != null && outputEnded.getCount() == 0) {
          try {
            log.close();
          } catch (IOException e) {
            // nothing more to write
          }
        }
      }
    }, "process-" + name + "-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** What {@link Spec#withoutSupervisorEnv()} leaves out. */
  public static final List<String> SUPERVISOR_ENV = List.of("SERVER_STARTER_PORT", "BATON_NOTIFY_FD", "NOTIFY_SOCKET",
      "BATON_LOG_FORMAT", "BATON_LOG_TIMESTAMPS");

  /** How to start a process. */
  public static final class Spec {
    private final List<String> command;
    private Path dir;
    private final Map<String, String> env = new HashMap<>();
    private final Set<String> removedEnv = new LinkedHashSet<>();
    private boolean separateStderr;
    private Path log;
    private Consumer<String> echo;
    private Duration stopGrace = Duration.ZERO;

    private Spec(List<String> command) {
      this.command = List.copyOf(command);
    }

    public List<String> command() {
      return command;
    }

    /** Its working directory (default: this one's). */
    public Spec dir(Path dir) {
      this.dir = dir;
      return this;
    }

    /** Variables added to the environment it inherits ({@code null} adds none). */
    public Spec env(Map<String, String> env) {
      if (env != null) {
        this.env.putAll(env);
      }
      return this;
    }

    /** Variables left out of the environment it inherits. */
    public Spec withoutEnv(String... names) {
      removedEnv.addAll(List.of(names));
      return this;
    }

    /**
     * Leaves out of the inherited environment what a supervisor hands its worker ({@code SERVER_STARTER_PORT},
     * {@code BATON_NOTIFY_FD}, systemd's {@code NOTIFY_SOCKET}) and a developer's own choice of baton's log format
     * ({@code BATON_LOG_FORMAT}, {@code BATON_LOG_TIMESTAMPS}): a test run from a shell under baton or systemd, or
     * with a log format exported, starts its supervisors and workers as on a clean machine.
     */
    public Spec withoutSupervisorEnv() {
      return withoutEnv(SUPERVISOR_ENV.toArray(String[]::new));
    }

    /** Reads standard error apart from standard output ({@link #stderr()}). */
    public Spec separateStderr() {
      this.separateStderr = true;
      return this;
    }

    /** Also writes every line to {@code file} as it comes. */
    public Spec logTo(Path file) {
      this.log = file;
      return this;
    }

    /** Hands every line to {@code echo} as it comes (a demo's live view). */
    public Spec echo(Consumer<String> echo) {
      this.echo = echo;
      return this;
    }

    /** {@link #close()}: TERM and up to {@code grace} before KILL; zero (the default): KILL at once. */
    public Spec stopGrace(Duration grace) {
      this.stopGrace = grace;
      return this;
    }

    public StartedProcess start() throws IOException {
      return new StartedProcess(this);
    }

    /** {@link #start()} for callers with no use for a checked exception. */
    public StartedProcess startUnchecked() {
      try {
        return start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start " + command, e);
      }
    }
  }
}
