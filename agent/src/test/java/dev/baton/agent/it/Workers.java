package dev.baton.agent.it;

import dev.baton.testkit.process.StartedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Command lines for the sample servers, run as separate JVMs with the real agent jar, and their start. */
final class Workers {

  static final Path AGENT_JAR = Path.of(System.getProperty("baton.agent.jar", "target/baton-agent.jar"));
  static final String TEST_CLASSES = System.getProperty("baton.test.classpath", "target/test-classes");
  static final String JAVA_17 = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  static final Path JAVA_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
  static final Path START_SERVER = Path.of("/usr/bin/start_server");
  /** Netty 4.1's jars, which Maven copies for the Netty 4.1 sample (the test class path has Vert.x's 4.2). */
  static final Path NETTY41 = Path.of(System.getProperty("baton.netty41.dir", "target/netty41"));
  /** The older ByteBuddy an application ships in the ByteBuddy sample, which Maven copies there. */
  static final Path APP_BYTEBUDDY = Path.of(System.getProperty("baton.appByteBuddy.dir", "target/app-bytebuddy"));
  /** Baton's supervisor, built by the reactor before these tests (the agent module depends on it for that). */
  static final Path BATON_JAR = Path.of(System.getProperty("baton.sidecar.jar", "../sidecar/target/baton.jar"));

  private Workers() {}

  /**
   * Starts {@code command} (a supervisor, or a worker on its own) with {@code env} added to an environment free of
   * any supervisor's or log format's variables ({@link StartedProcess.Spec#withoutSupervisorEnv()}), its standard
   * output and error read apart (the fake supervisor's own lines are on standard output, baton's log on standard
   * error).
   */
  static StartedProcess start(List<String> command, Map<String, String> env) throws IOException {
    return StartedProcess.command(command).withoutSupervisorEnv().env(env).separateStderr().start();
  }

  /** {@code java [-javaagent:baton-agent.jar[=options]] -cp ... mainClass args}. */
  static List<String> java(String java, String agentOptions, String mainClass, String... args) {
    return javaOn(classpath(), java, agentOptions, mainClass, args);
  }

  /** The same on another class path (a sample run on other library versions than the test's). */
  static List<String> javaOn(String classpath, String java, String agentOptions, String mainClass, String... args) {
    return javaOn(classpath, java, List.of(), agentOptions, mainClass, args);
  }

  /** The same with more JVM options (before the agent's). */
  static List<String> javaOn(String classpath, String java, List<String> jvmOptions, String agentOptions,
      String mainClass, String... args) {
    List<String> command = new ArrayList<>(List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1"));
    command.addAll(jvmOptions);
    if (agentOptions != null) {
      command.add("-javaagent:" + AGENT_JAR.toAbsolutePath() + (agentOptions.isEmpty() ? "" : "=" + agentOptions));
    }
    command.addAll(List.of("-cp", classpath, mainClass));
    command.addAll(List.of(args));
    return command;
  }

  /**
   * The samples and their dependencies (Vert.x, Netty): the test class path without the agent's own
   * classes and ByteBuddy, so the worker sees only what the shaded jar brings, as in production. Without
   * Netty's io_uring transport too: Reactor Netty prefers io_uring to epoll whenever it is on the class
   * path and the kernel allows it, and the other samples are meant to run on the transport they name.
   */
  static String classpath() {
    return classpath(false);
  }

  /** {@link #classpath()} with Netty's io_uring transport, for the io_uring sample. */
  static String classpathWithIoUring() {
    return classpath(true);
  }

  private static String classpath(boolean ioUring) {
    String full = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> kept = new ArrayList<>();
    for (String entry : full.split(java.io.File.pathSeparator)) {
      Path path = Path.of(entry);
      String name = path.getFileName() == null ? "" : path.getFileName().toString();
      boolean agentClasses = path.endsWith(Path.of("target", "classes"));
      boolean supervisor = name.startsWith("baton-sidecar") || name.equals("baton.jar");
      boolean byteBuddy = name.startsWith("byte-buddy");
      boolean ioUringJar = name.startsWith("netty-transport-classes-io_uring")
          || name.startsWith("netty-transport-native-io_uring");
      if (!entry.isBlank() && !agentClasses && !supervisor && !byteBuddy && (ioUring || !ioUringJar)) {
        kept.add(entry);
      }
    }
    return String.join(java.io.File.pathSeparator, kept);
  }

  /**
   * The samples' classes, then every jar in {@code directory} (sorted): a worker on other library versions
   * than the test class path's, which Maven copies there.
   */
  static String classpathWithJarsIn(Path directory) {
    List<String> entries = new ArrayList<>(List.of(TEST_CLASSES));
    try (java.util.stream.Stream<Path> jars = Files.list(directory)) {
      jars.filter(jar -> jar.toString().endsWith(".jar")).sorted().forEach(jar -> entries.add(jar.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  static String fakeSupervisor() {
    Path script = Path.of(TEST_CLASSES, "fake-supervisor.pl");
    if (!Files.isRegularFile(script)) {
      throw new IllegalStateException(script + " missing");
    }
    return script.toString();
  }

  /** Skips the test when the sample needs Netty's native epoll or io_uring transport and this machine has none. */
  static void assumeTransportAvailable(Class<?> sample) {
    if (sample.getSimpleName().contains("Epoll")) {
      org.junit.jupiter.api.Assumptions.assumeTrue(io.netty.channel.epoll.Epoll.isAvailable(),
          () -> "Netty's native epoll transport is not available here: "
              + io.netty.channel.epoll.Epoll.unavailabilityCause());
    }
    if (sample.getSimpleName().contains("IoUring")) {
      org.junit.jupiter.api.Assumptions.assumeTrue(io.netty.channel.uring.IoUring.isAvailable(),
          () -> "Netty's io_uring transport is not available here (io_uring_disabled sysctl, seccomp, old "
              + "kernel): " + io.netty.channel.uring.IoUring.unavailabilityCause());
    }
  }

  /**
   * Connections waiting to be accepted on the listener at 127.0.0.1:{@code port}: its accept queue, which
   * {@code /proc/net/tcp} shows as the rx_queue of a socket in state LISTEN (0A); -1 when there is no such
   * listener. Zero once the worker, the one process that accepts there, took every connection made so far.
   */
  static int acceptQueueLength(int port) throws IOException {
    String local = String.format("0100007F:%04X", port); // 127.0.0.1 as the kernel prints it (little-endian)
    for (String line : Files.readAllLines(Path.of("/proc/net/tcp"))) {
      String[] fields = line.trim().split("\\s+");
      if (fields.length > 4 && fields[1].equals(local) && fields[3].equals("0A")) {
        return Integer.parseInt(fields[4].substring(fields[4].indexOf(':') + 1), 16);
      }
    }
    return -1;
  }

}
