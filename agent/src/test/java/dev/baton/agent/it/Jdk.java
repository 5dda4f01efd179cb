package dev.baton.agent.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * The JDKs the server tests run their workers on ({@link JdkMatrix}). Builds of one version differ inside
 * (Debian's 17.0.15 has a field where its current 17 build and Temurin 25 have a method), and the agent
 * reaches into those insides: every server sample runs its reload and drain tests on each. A JDK that is
 * not installed skips its cases with a message saying how to get it.
 */
enum Jdk {

  /** The machine's default {@code java}, the one Maven runs on: Debian's OpenJDK 17.0.15 on this image. */
  JDK_17(Path.of(System.getProperty("java.home")), "the default java"),

  /**
   * Debian's current OpenJDK 17 build (bookworm-security), what a Debian 12 that takes its updates runs,
   * unpacked beside the default by {@code .ci/third-jdk}.
   */
  JDK_17_DEBIAN_CURRENT(
      Path.of(System.getProperty("baton.test.jdk17current", "/opt/baton-test-jdks/openjdk-17-debian-current")),
      "run .ci/third-jdk to unpack Debian's current openjdk-17-jre-headless there"),

  /** Temurin 25. */
  JDK_25(Path.of("/usr/lib/jvm/temurin-25-jdk-amd64"), "install Temurin 25 there");

  private final Path home;
  private final String howToGet;

  Jdk(Path home, String howToGet) {
    this.home = home;
    this.howToGet = howToGet;
  }

  String java() {
    return home.resolve("bin").resolve("java").toString();
  }

  /**
   * Skips the calling test, with the reason, when this JDK is not here, is the default one again, or is not among
   * the JDKs {@code -Dbaton.test.jdks=JDK_25,...} names (to run one JDK's cases of a class, e.g. in a loop).
   */
  void assumeInstalled() {
    String only = System.getProperty("baton.test.jdks", "");
    assumeTrue(only.isBlank() || List.of(only.split(",")).contains(name()),
        () -> this + " cases skipped: -Dbaton.test.jdks=" + only);
    assumeTrue(Files.isExecutable(Path.of(java())), () -> java() + " not found (" + howToGet + "): " + this
        + " cases skipped");
    if (this != JDK_17) {
      assumeTrue(!runtimeVersion().equals(JDK_17.runtimeVersion()),
          () -> home + " is the same build as the default java (" + runtimeVersion() + "): " + this + " cases skipped");
    }
  }

  /**
   * JVM options every worker on this JDK gets when its application loads a native library (Netty's epoll or
   * io_uring transport, which Vert.x and Reactor Netty probe): JDK 24+ warns about JNI unless the application
   * enables native access (a flag of the application's, as for any JNI user, not of the agent's).
   */
  List<String> nativeAccessOptions() {
    return this == JDK_25 ? List.of("--enable-native-access=ALL-UNNAMED") : List.of();
  }

  /**
   * JVM options every worker on this JDK gets when its application's library calls {@code sun.misc.Unsafe}'s
   * memory-access methods (Undertow's buffer cleaner, Netty 4.1): JDK 24+ warns about each library once
   * unless the application allows it (JEP 498; again the application's flag, not the agent's).
   */
  List<String> unsafeMemoryAccessOptions() {
    return this == JDK_25 ? List.of("--sun-misc-unsafe-memory-access=allow") : List.of();
  }

  /**
   * Whether the drain behaviours of {@code server} run on this JDK. Debian's current 17 build runs them for the
   * JDK's own servers, whose code is the JDK build's; for a framework it runs the reload test, whose drains
   * under load cover the JDK classes the agent rewrites, while the framework's side of a drain is the same on
   * every build of 17 (the default JDK runs it in full).
   */
  boolean runsDrainTestsOf(Server server) {
    return this != JDK_17_DEBIAN_CURRENT || server.isJdkOwn();
  }

  /** {@code JAVA_RUNTIME_VERSION} from the JDK's {@code release} file, e.g. {@code 17.0.15+6-Debian-1deb12u1}. */
  String runtimeVersion() {
    Path release = home.resolve("release");
    if (!Files.isRegularFile(release)) {
      return "unknown";
    }
    Properties properties = new Properties();
    try (var reader = Files.newBufferedReader(release)) {
      properties.load(reader);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties.getProperty("JAVA_RUNTIME_VERSION", "unknown").replace("\"", "");
  }

  @Override
  public String toString() {
    return name() + " (" + runtimeVersion() + ")";
  }
}
