package dev.baton.agent;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The other JDK installed here, to run a check that depends on the JDK's internals on both: Debian's OpenJDK 17
 * (the machine's default {@code java}) and Temurin 25. Whichever the tests run on, the other one.
 */
public final class OtherJdk {

  static final Path DEBIAN_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
  static final Path TEMURIN_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

  private OtherJdk() {}

  /** Its {@code java}; skips the test (with the path looked for) when it is not installed. */
  public static Path java() {
    Path java = Runtime.version().feature() >= 25 ? DEBIAN_17 : TEMURIN_25;
    assumeTrue(Files.isExecutable(java), () -> java + " is not installed: the check ran on this JDK only");
    return java;
  }

  /** What {@code mainClass} printed, run on the other JDK with the tests' class path; fails unless it exits 0. */
  public static String run(Class<?> mainClass) throws IOException, InterruptedException {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process process = new ProcessBuilder(List.of(java().toString(), "-cp", classpath, mainClass.getName()))
        .redirectErrorStream(true).start();
    if (!process.waitFor(2, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError(mainClass.getSimpleName() + " did not finish on " + java() + " within 2 minutes");
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new AssertionError(mainClass.getSimpleName() + " on " + java() + " exited " + process.exitValue() + ":\n"
          + output);
    }
    return output;
  }
}
