package dev.baton.operator;

import static org.awaitility.Awaitility.await;

import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import dev.baton.testkit.sample.EchoWorker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Real baton supervisors (sidecar/target/baton.jar) running the Perl echo worker on loopback: the
 * sidecars of the test's pods. Each has its own app port, control port, envdir and control token.
 */
public final class Batons implements AutoCloseable {
  public static final String TOKEN = "s3cret-token";
  private static final Path ROOT = findRoot();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  public record Baton(StartedProcess process, int port, int controlPort, Path envdir) {
    public String controlAddress() {
      return "127.0.0.1:" + controlPort;
    }

    /** The generation of the worker serving {@code GET /} (the echo worker answers "pid:generation"). */
    public int servingGeneration() throws IOException, InterruptedException {
      return Integer.parseInt(get().split(":")[1].strip());
    }

    public String get() throws IOException, InterruptedException {
      return get("/");
    }

    /** The echo worker's answer to {@code path}: "/config" is "pid:generation:the file WORKER_CONFIG names, as read at start". */
    public String get(String path) throws IOException, InterruptedException {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Baton's {@code GET /status} (with the control token). */
    public com.fasterxml.jackson.databind.JsonNode status() throws IOException, InterruptedException {
      String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controlPort + "/status"))
          .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
    }

    /** {@code POST /reload} as an operator would, returning baton's reload id. */
    public long requestReload() throws IOException, InterruptedException {
      String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controlPort + "/reload"))
          .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody())
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).path("id").asLong();
    }

    /** Every next generation takes {@code millis} to say READY=1 (the envdir is read at every reload). */
    public void slowReloads(long millis) throws IOException {
      Files.writeString(envdir.resolve("WORKER_READY"), "notify");
      Files.writeString(envdir.resolve("WORKER_READY_DELAY_MS"), Long.toString(millis));
    }

    /** Undoes {@link #failNextReload()}: the generation after that reloads fine. */
    public void healReloads() throws IOException {
      Files.deleteIfExists(envdir.resolve("WORKER_EXIT_AT_START"));
    }

    /** The next generation exits before it is ready (the envdir is read at every reload). */
    public void failNextReload() throws IOException {
      Files.writeString(envdir.resolve("WORKER_EXIT_AT_START"), "1");
    }
  }

  private final List<Baton> batons = new ArrayList<>();
  private final Path dir;

  private Batons(Path dir) {
    this.dir = dir;
  }

  public static Batons start(int n, Path dir) throws IOException {
    return start(n, dir, Map.of());
  }

  /** {@code workerEnv}: the workers' environment beyond baton's own (e.g. WORKER_CONFIG, the file /config serves). */
  public static Batons start(int n, Path dir, Map<String, String> workerEnv) throws IOException {
    Path jar = ROOT.resolve("sidecar/target/baton.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException(jar + " is missing: build it with mvn -q -pl sidecar -am package -DskipTests");
    }
    Batons all = new Batons(dir);
    Path token = dir.resolve("token");
    Files.writeString(token, TOKEN + "\n");
    for (int i = 0; i < n; i++) {
      Path envdir = Files.createDirectories(dir.resolve("env" + i));
      // Ready only on READY=1: with "alive after --interval", a worker told to exit at start that is slow
      // to get there (a loaded CI machine) passes for ready, and a reload meant to fail succeeds.
      Files.writeString(envdir.resolve("WORKER_READY"), "notify");
      int port = FreePorts.next();
      int control = FreePorts.next();
      List<String> command = new ArrayList<>(List.of(ROOT.resolve("bin/baton").toString(), "--port=127.0.0.1:" + port,
          "--control=127.0.0.1:" + control, "--control-token-file=" + token, "--envdir=" + envdir,
          "--interval=0.2", "--readiness=notify", "--"));
      command.addAll(EchoWorker.command());
      StartedProcess p = StartedProcess.command(command).env(workerEnv).logTo(dir.resolve("baton" + i + ".log")).start();
      all.batons.add(new Baton(p, port, control, envdir));
    }
    for (Baton b : all.batons) {
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
          .until(() -> b.get().contains(":"));
    }
    return all;
  }

  public Baton get(int i) {
    return batons.get(i);
  }

  public List<Baton> all() {
    return batons;
  }

  private static Path findRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("bin/baton"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("cannot find the repository root (bin/baton) from " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  @Override
  public void close() {
    for (Baton b : batons) {
      b.process().signalIfAlive("TERM");
    }
    for (Baton b : batons) {
      try {
        b.process().handle().onExit().get(10, TimeUnit.SECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // killed below
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      b.process().stop(Duration.ZERO); // KILL whatever is left of it and its echo workers
    }
  }

  public Path dir() {
    return dir;
  }
}
