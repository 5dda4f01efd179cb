package dev.baton.testkit.baton;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Baton checkout the harness runs from: {@code bin/baton}, the agent jar and the sample jar, all
 * built by {@code mvn -DskipTests package}. Found through {@code -Dbaton.home}, {@code BATON_HOME}, or by
 * walking up from the working directory to the directory holding {@code bin/baton}.
 */
public record BatonHome(Path root) {

  public static BatonHome locate() {
    String configured = System.getProperty("baton.home", System.getenv("BATON_HOME"));
    if (configured != null && !configured.isBlank()) {
      return new BatonHome(Path.of(configured).toAbsolutePath().normalize());
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("bin/baton")) && Files.isDirectory(dir.resolve("e2e"))) {
        return new BatonHome(dir);
      }
    }
    throw new IllegalStateException("cannot find the Baton checkout (bin/baton) above "
        + Path.of("").toAbsolutePath() + "; set BATON_HOME");
  }

  public Path baton() {
    return root.resolve("bin/baton");
  }

  public Path batonJar() {
    return root.resolve("sidecar/target/baton.jar");
  }

  /** The agent jar; {@code -Dbaton.agent.jar} or {@code BATON_AGENT_JAR} choose another build of it. */
  public Path agentJar() {
    String configured = System.getProperty("baton.agent.jar", System.getenv("BATON_AGENT_JAR"));
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured).toAbsolutePath();
    }
    return root.resolve("agent/target/baton-agent.jar");
  }

  public Path sampleJar() {
    String configured = System.getProperty("baton.sample.jar");
    return configured != null ? Path.of(configured) : root.resolve("e2e/target/baton-sample.jar");
  }

  /** The Spring Boot sample ({@code spring-sample/}): its jar, with {@code lib/} beside it. */
  public Path springSampleJar() {
    return root.resolve("spring-sample/target/baton-spring-sample.jar");
  }

  /** {@link #springSampleJar()}, failing with the command that builds it. */
  public Path requireSpringSample() {
    if (!Files.isRegularFile(springSampleJar())) {
      throw new IllegalStateException(springSampleJar() + " is missing; build first: cd " + root
          + " && mvn -q -DskipTests package");
    }
    return springSampleJar();
  }

  /** The Go twin of the sample ({@code bench/go/sleep.go}), built by the benchmark. */
  public Path goWorkerSource() {
    return root.resolve("bench/go/sleep.go");
  }

  public Path starletApp() {
    return root.resolve("bench/starlet/sleep.psgi");
  }

  public Path results() {
    return root.resolve("bench/results");
  }

  /** Fails with the command that builds what is missing. */
  public BatonHome requireBuilt() {
    for (Path p : new Path[] {batonJar(), agentJar(), sampleJar()}) {
      if (!Files.isRegularFile(p)) {
        throw new IllegalStateException(p + " is missing; build first: cd " + root + " && mvn -q -DskipTests package");
      }
    }
    return this;
  }
}
