package dev.baton.e2e.server;

import dev.baton.e2e.control.ControlClient;
import dev.baton.testkit.baton.BatonHome;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The sample server run the way a user runs it: {@code bin/baton --port ... -- java
 * -javaagent:baton-agent.jar -jar baton-sample.jar} (or the Spring Boot sample's jar, or the Go worker),
 * or for comparison Perl's {@code start_server -- plackup -s Starlet}. Everything it creates (ports, status and pid files, logs) lives in one temporary
 * directory that {@link #close()} removes after stopping the supervisor and its workers.
 */
public final class SupervisedServer implements AutoCloseable {

  private final WorkerKind kind;
  private final Path dir;
  private final int port;
  private final int controlPort;
  private final ControlClient control;
  private final StartedProcess process;
  private final boolean keepDir;

  private SupervisedServer(Builder b) throws IOException {
    this.kind = b.kind;
    this.dir = Files.createTempDirectory("baton-e2e-" + kind.id() + "-");
    this.keepDir = b.keepDir;
    this.port = FreePorts.next();
    this.controlPort = kind.baton() ? FreePorts.next() : -1;
    this.control = kind.baton() ? new ControlClient(controlPort) : null;
    List<String> command = new ArrayList<>();
    Map<String, String> env = new HashMap<>();
    // The port and the sleep reach the worker through its environment, so --envdir can change them.
    env.put("PORT", Integer.toString(port));
    env.put("SAMPLE_SLEEP_MS", Long.toString(b.sleepMillis));
    String java = b.workerJava != null ? b.workerJava : defaultJava();
    if (kind.baton()) {
      b.home.requireBuilt();
      env.put("BATON_JAVA", defaultJava());
      command.addAll(b.supervisorPrefix);
      command.add(b.home.baton().toString());
      command.add("--control=127.0.0.1:" + controlPort);
      // A JVM with the agent says READY=1 once it accepts. In baton's default "auto" mode a worker that
      // has said nothing when --interval (1 s) ends counts as ready; a JVM still starting then (a busy
      // machine, HUPs every 500 ms) has its predecessor retired before it accepts.
      command.add("--readiness=" + b.readiness);
    } else {
      command.add("start_server");
    }
    command.add("--port=127.0.0.1:" + port);
    command.add("--status-file=" + statusFile());
    command.add("--pid-file=" + dir.resolve("supervisor.pid"));
    if (b.envdir != null) {
      command.add("--envdir=" + b.envdir);
    }
    command.addAll(b.supervisorArgs);
    command.add("--");
    command.addAll(b.workerPrefix);
    if (kind.jvm()) {
      command.add(java);
      command.addAll(b.workerJvmArgs);
      String agent = "-javaagent:" + b.home.agentJar() + (b.agentOptions.isEmpty() ? "" : "=" + b.agentOptions);
      if (b.agentInJavaToolOptions) {
        // as an injected pod gets it: every JVM of the container sees it, baton's own included
        env.put("JAVA_TOOL_OPTIONS", agent);
      } else {
        command.add(agent);
      }
    }
    if (b.sampleJar != null && (kind == WorkerKind.JDK || kind == WorkerKind.VERTX)) {
      command.addAll(List.of("-jar", b.sampleJar.toString(), kind.id()));
    } else {
      command.addAll(workerCommand(b.home, kind, b.goWorker, b.starletWorkers));
    }
    this.process = StartedProcess.command(command).dir(dir).env(env).logTo(dir.resolve("supervisor.log")).echo(b.echo)
        .stopGrace(Duration.ofSeconds(20)).start();
  }

  /**
   * What runs the worker after {@code java [options] -javaagent:...} for a JVM sample, or the whole
   * command for the others.
   */
  public static List<String> workerCommand(BatonHome home, WorkerKind kind, Path goWorker, int starletWorkers) {
    return switch (kind) {
      case JDK, VERTX -> List.of("-jar", home.sampleJar().toString(), kind.id());
      case SPRING -> List.of("-jar", home.requireSpringSample().toString());
      case GO -> {
        if (goWorker == null) {
          throw new IllegalStateException("the Go worker is not built: GoWorker.build(home) first");
        }
        yield List.of(goWorker.toString());
      }
      case STARLET -> List.of("plackup", "-s", "Starlet", "-E", "production", "--max-workers=" + starletWorkers,
          "--max-reqs-per-child=1000000", home.starletApp().toString());
    };
  }

  /** The java running this harness: the workers' default, and baton's own. */
  public static String defaultJava() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  public static Builder builder(BatonHome home, WorkerKind kind) {
    return new Builder(home, kind);
  }

  public WorkerKind kind() {
    return kind;
  }

  public int port() {
    return port;
  }

  public String url() {
    return "http://127.0.0.1:" + port + "/";
  }

  /** baton's {@code --control} URL; null for Perl's start_server. */
  public String controlUrl() {
    return control == null ? null : "http://127.0.0.1:" + controlPort + "/status";
  }

  /** baton's control API; null for Perl's start_server. */
  public ControlClient control() {
    return control;
  }

  public StartedProcess process() {
    return process;
  }

  public long supervisorPid() {
    return process.pid();
  }

  public Path dir() {
    return dir;
  }

  public Path statusFile() {
    return dir.resolve("status");
  }

  /** The status file's {@code generation:pid} lines: one per live worker. */
  public List<String> statusLines() {
    try {
      return Files.exists(statusFile())
          ? Files.readAllLines(statusFile()).stream().filter(l -> !l.isBlank()).toList() : List.of();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Waits until a request is answered 200 (and baton, if it is baton, reports ready). */
  public SupervisedServer awaitServing(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(kind.supervisor() + " exited:\n" + process.output());
      }
      if ((control == null || control.ready()) && answers()) {
        return this;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(kind.supervisor() + " not serving on " + url() + " after " + timeout
        + ":\n" + process.output());
  }

  /** One GET; true if answered 200. */
  public boolean answers() {
    return get() != null;
  }

  /** One GET: the body if answered 200, else null. */
  public String get() {
    try {
      HttpURLConnection connection = (HttpURLConnection) URI.create(url()).toURL().openConnection();
      connection.setConnectTimeout(2000);
      connection.setReadTimeout(10_000);
      try (InputStream in = connection.getInputStream()) {
        return connection.getResponseCode() == 200 ? new String(in.readAllBytes()) : null;
      } finally {
        connection.disconnect();
      }
    } catch (IOException e) {
      return null;
    }
  }

  public void hup() {
    process.hup();
  }

  @Override
  public void close() {
    process.close();
    if (!keepDir) {
      deleteRecursively(dir);
    }
  }


  static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** How to run it. */
  public static final class Builder {
    private final BatonHome home;
    private final WorkerKind kind;
    private long sleepMillis = 100;
    private Path envdir;
    private final List<String> supervisorArgs = new ArrayList<>();
    private final List<String> workerJvmArgs = new ArrayList<>();
    private final List<String> workerPrefix = new ArrayList<>();
    private final List<String> supervisorPrefix = new ArrayList<>();
    private String workerJava;
    private String agentOptions = "";
    private Path goWorker;
    private Path sampleJar;
    private boolean agentInJavaToolOptions;
    private int starletWorkers = 100;
    private String readiness = "notify";
    private Consumer<String> echo;
    private boolean keepDir;

    private Builder(BatonHome home, WorkerKind kind) {
      this.home = home;
      this.kind = kind;
    }

    /** How long each request takes in the handler (the article: 100 ms). */
    public Builder sleepMillis(long millis) {
      this.sleepMillis = millis;
      return this;
    }

    /** {@code --envdir}: re-read at every reload. */
    public Builder envdir(Path envdir) {
      this.envdir = envdir;
      return this;
    }

    /** More supervisor options, e.g. {@code --ready-timeout=10s}. */
    public Builder supervisorArgs(String... args) {
      supervisorArgs.addAll(List.of(args));
      return this;
    }

    /** Options of the worker JVM, before {@code -javaagent}. */
    public Builder workerJvmArgs(String... args) {
      workerJvmArgs.addAll(List.of(args));
      return this;
    }

    /** The java of the JVM workers (default: the one running this harness). */
    public Builder workerJava(String java) {
      this.workerJava = java;
      return this;
    }

    /** The agent's options, after {@code -javaagent:baton-agent.jar=}, e.g. {@code warmUp=200} (default: none). */
    public Builder agentOptions(String options) {
      this.agentOptions = options;
      return this;
    }

    /** Another copy of the sample jar for a JDK or Vert.x worker (default: the built one). */
    public Builder sampleJar(Path jar) {
      this.sampleJar = jar;
      return this;
    }

    /** The agent in {@code JAVA_TOOL_OPTIONS} (as the webhook injects it), not on the worker's command line. */
    public Builder agentInJavaToolOptions() {
      this.agentInJavaToolOptions = true;
      return this;
    }

    /** The Go worker's binary ({@link GoWorker#build}), for {@link WorkerKind#GO}. */
    public Builder goWorker(Path binary) {
      this.goWorker = binary;
      return this;
    }

    /** A command the worker JVM runs under, e.g. {@code prlimit --nofile=128:128}: it must exec java. */
    public Builder workerPrefix(String... command) {
      workerPrefix.addAll(List.of(command));
      return this;
    }

    /** A command baton runs under, e.g. one that enters a memory cgroup: it must exec its arguments. */
    public Builder supervisorPrefix(String... command) {
      supervisorPrefix.addAll(List.of(command));
      return this;
    }

    /** baton's {@code --readiness}: notify (the default here), auto or alive. */
    public Builder readiness(String mode) {
      this.readiness = mode;
      return this;
    }

    /** Starlet's {@code --max-workers}: its concurrency (default 100). */
    public Builder starletWorkers(int workers) {
      this.starletWorkers = workers;
      return this;
    }

    /** Receives every line the supervisor and workers print. */
    public Builder echo(Consumer<String> echo) {
      this.echo = echo;
      return this;
    }

    /** Keep the temporary directory (logs) after {@link #close()}. */
    public Builder keepDir(boolean keep) {
      this.keepDir = keep;
      return this;
    }

    public SupervisedServer start() {
      try {
        return new SupervisedServer(this);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
