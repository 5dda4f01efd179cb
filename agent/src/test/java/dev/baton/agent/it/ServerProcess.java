package dev.baton.agent.it;

import static dev.baton.agent.it.PromptAwait.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A process the test started (start_server, the fake supervisor, or a worker JVM directly), with its
 * stdout and stderr lines collected as they come so tests can wait for a line instead of sleeping.
 */
final class ServerProcess implements AutoCloseable {

  private final Process process;
  private final List<String> out = new CopyOnWriteArrayList<>();
  private final List<String> err = new CopyOnWriteArrayList<>();

  private ServerProcess(Process process) {
    this.process = process;
    pump(process.getInputStream(), out);
    pump(process.getErrorStream(), err);
  }

  static ServerProcess start(List<String> command, Map<String, String> env) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("SERVER_STARTER_PORT");
    builder.environment().remove("BATON_NOTIFY_FD");
    builder.environment().remove("NOTIFY_SOCKET");
    builder.environment().remove("BATON_LOG_FORMAT"); // a developer's own choice of log format is not the test's
    builder.environment().remove("BATON_LOG_TIMESTAMPS");
    builder.environment().putAll(env);
    return new ServerProcess(builder.start());
  }

  long pid() {
    return process.toHandle().pid();
  }

  List<String> stdout() {
    return List.copyOf(out);
  }

  List<String> stderr() {
    return List.copyOf(err);
  }

  /** Every line, stdout then stderr, for assertion messages. */
  String transcript() {
    List<String> all = new ArrayList<>(out);
    all.add("--- stderr ---");
    all.addAll(err);
    return String.join("\n", all);
  }

  String awaitStdout(Predicate<String> line, Duration atMost) {
    await().atMost(atMost).until(() -> out.stream().anyMatch(line));
    return out.stream().filter(line).findFirst().orElseThrow();
  }

  String awaitStderr(Predicate<String> line, Duration atMost) {
    await().atMost(atMost).until(() -> err.stream().anyMatch(line));
    return err.stream().filter(line).findFirst().orElseThrow();
  }

  void signal(String name) throws IOException, InterruptedException {
    Signals.send(name, pid());
  }

  boolean isAlive() {
    return process.isAlive();
  }

  int awaitExit(Duration atMost) {
    await().atMost(atMost).until(() -> !process.isAlive());
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  private static void pump(InputStream stream, List<String> lines) {
    Thread pump = new Thread(() -> {
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "pump");
    pump.setDaemon(true);
    pump.start();
  }
}
