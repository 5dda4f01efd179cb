package dev.baton.testkit.baton;

import dev.baton.testkit.process.StartedProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A supervisor run by a test: {@code baton} (from the sidecar's classes, its jar, or {@code bin/baton}) or Perl's
 * {@code start_server}, its output (its own log and its workers', one stream) read as it comes, and what a test
 * asks of that log: a line, the pid of the worker that became ready in generation N, that worker's end.
 * {@link #close()} sends TERM and kills what is left after {@link #PATIENCE}.
 */
public final class BatonProcess extends StartedProcess {

  /** How long a supervisor may take for anything a test waits for. */
  public static final Duration PATIENCE = Duration.ofSeconds(30);

  private BatonProcess(Spec spec) throws IOException {
    super(spec);
  }

  /** Starts {@code spec} (any supervisor's command line) as a supervisor whose log a test reads. */
  public static BatonProcess start(Spec spec) throws IOException {
    return new BatonProcess(spec);
  }

  /** {@code baton ARGS} from this JVM's class path ({@link #javaCommand()}). */
  public static BatonProcess start(List<String> args) throws IOException {
    return start(List.of(), args, null);
  }

  /** The same, with a prefix before java (e.g. {@code nohup}) and extra environment ({@code null}: none). */
  public static BatonProcess start(List<String> prefix, List<String> args, Map<String, String> env) throws IOException {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(javaCommand());
    command.addAll(args);
    return run(command, env);
  }

  /** Runs {@code command}, a supervisor of any kind, with extra environment ({@code null}: none). */
  public static BatonProcess run(List<String> command, Map<String, String> env) throws IOException {
    return start(StartedProcess.command(command).env(env).stopGrace(PATIENCE));
  }

  /**
   * The command that runs baton from this JVM's class path: the sidecar module's own tests, which have its
   * classes there, with the JVM options {@code bin/baton} gives it.
   */
  public static List<String> javaCommand() {
    return List.of(java(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx64m",
        "-cp", System.getProperty("java.class.path"), "dev.baton.sidecar.Baton");
  }

  /** {@code java -jar baton.jar} with the JVM options {@code bin/baton} gives it, then {@code args}: as a user runs it. */
  public static List<String> jarCommand(Path batonJar, String... args) {
    if (!Files.isRegularFile(batonJar)) {
      throw new IllegalStateException(batonJar + " missing: build the sidecar first (mvn -pl sidecar -am package)");
    }
    List<String> command = new ArrayList<>(List.of(java(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Xmx64m", "-XX:-UsePerfData", "-Djffi.unsafe.disabled=true", "-jar", batonJar.toAbsolutePath().toString()));
    command.addAll(List.of(args));
    return command;
  }

  /** The java running this JVM. */
  public static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The output, line by line. */
  public List<String> log() {
    return stdout();
  }

  public String logText() {
    return output();
  }

  /** Waits up to {@link #PATIENCE} for a log line matching {@code regex} (anywhere in the line) and returns it. */
  public String awaitLog(String regex) {
    return awaitLine(regex, PATIENCE);
  }

  /** The pid in the "new worker PID (generation N) is ready" line of that generation, once there. */
  public String readyPid(int generation) {
    return awaitLog("new worker \\d+ \\(generation " + generation + "\\) is ready").replaceAll("new worker (\\d+) .*", "$1");
  }

  /** Waits until baton reports that the worker with this pid has exited. */
  public void awaitGone(String pid) {
    awaitLog("worker " + pid + " died");
  }

  /** How many log lines match {@code regex}. */
  public long countLog(String regex) {
    return count(regex);
  }

  /** Waits up to {@link #PATIENCE} for its exit; the exit code. */
  public int awaitExit() {
    return awaitExit(PATIENCE);
  }
}
