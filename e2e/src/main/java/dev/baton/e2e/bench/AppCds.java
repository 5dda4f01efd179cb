package dev.baton.e2e.bench;

import dev.baton.e2e.server.SupervisedServer;
import dev.baton.e2e.server.WorkerKind;
import dev.baton.testkit.baton.BatonHome;
import dev.baton.testkit.port.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Class-data caches of the sample server, each made by a training run: the sample runs alone (no
 * supervisor), answers a few hundred requests and exits on TERM, and the JVM writes the classes it
 * loaded. An application class-data sharing archive ({@code -XX:ArchiveClassesAtExit}, then
 * {@code -XX:SharedArchiveFile}) is trained without the agent (dumping with an agent attached needs a
 * diagnostic flag) and serves workers with and without it alike: the agent's own classes are simply not
 * in it. A JDK 25 AOT cache ({@code -XX:AOTCacheOutput}, then {@code -XX:AOTCache}) must come from the
 * same module graph as its use, so a worker with the agent needs one trained with {@code -javaagent}
 * (the agent is idle there: no {@code SERVER_STARTER_PORT}).
 */
final class AppCds {

  private static final int TRAINING_REQUESTS = 300;

  private AppCds() {}

  /** Makes (or remakes) {@code dir/sample-WORKER.jsa} with these JVM options; returns its path. */
  static Path archive(BatonHome home, String java, String worker, List<String> jvmArgs, Path dir)
      throws IOException, InterruptedException {
    return archive(home, java, WorkerKind.of(worker), jvmArgs, dir);
  }

  /** The same for any JVM sample, the Spring Boot one included. */
  static Path archive(BatonHome home, String java, WorkerKind kind, List<String> jvmArgs, Path dir)
      throws IOException, InterruptedException {
    return train(home, java, kind, jvmArgs, dir, "sample-" + kind.id() + ".jsa", "-XX:ArchiveClassesAtExit=", null);
  }

  /**
   * Makes (or remakes) a JDK 25 AOT cache {@code dir/sample-WORKER[-agent].aot} with these JVM options and,
   * unless null, {@code -javaagent:agentJar}; returns its path.
   */
  static Path aotCache(BatonHome home, String java, String worker, List<String> jvmArgs, Path agentJar, Path dir)
      throws IOException, InterruptedException {
    String name = "sample-" + worker + (agentJar == null ? "" : "-agent") + ".aot";
    return train(home, java, WorkerKind.of(worker), jvmArgs, dir, name, "-XX:AOTCacheOutput=", agentJar);
  }

  private static Path train(BatonHome home, String java, WorkerKind kind, List<String> jvmArgs, Path dir, String name,
      String outputOption, Path agentJar) throws IOException, InterruptedException {
    String worker = kind.id();
    Files.createDirectories(dir);
    Path archive = dir.resolve(name).toAbsolutePath();
    Files.deleteIfExists(archive);
    Path log = dir.resolve(name + ".log");
    int port = FreePorts.next();
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(jvmArgs);
    command.add(outputOption + archive);
    if (agentJar != null) {
      command.add("-javaagent:" + agentJar);
    }
    command.addAll(SupervisedServer.workerCommand(home, kind, null, 0));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("PORT", Integer.toString(port));
    builder.environment().remove("SERVER_STARTER_PORT");
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    Process sample = builder.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!answers(port)) {
        if (!sample.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("the training run of the " + worker + " sample did not answer; see " + log);
        }
        Thread.sleep(10);
      }
      for (int i = 0; i < TRAINING_REQUESTS; i++) {
        answers(port);
      }
    } finally {
      sample.destroy();
      if (!sample.waitFor(120, TimeUnit.SECONDS)) {
        sample.destroyForcibly().waitFor();
      }
    }
    if (!Files.isRegularFile(archive) || Files.size(archive) == 0) {
      throw new IllegalStateException("the JVM wrote no class-data archive for the " + worker + " sample (" + archive
          + "); see " + log);
    }
    return archive;
  }

  /** One GET on a fresh connection: true on a complete 200 answer. */
  static boolean answers(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      socket.setSoTimeout(60_000);
      OutputStream out = socket.getOutputStream();
      out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200");
    } catch (IOException notYet) {
      return false;
    }
  }
}
