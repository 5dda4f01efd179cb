package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.agent.samples.ByteBuddyApp;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;

/**
 * An application with its own, older ByteBuddy (1.14, copied by Maven to {@code target/app-bytebuddy}) on its
 * class path, generating a class at start-up: the agent's ByteBuddy is relocated under
 * {@code dev.baton.agent.shaded}, so the application gets its own version and the agent works beside it.
 * {@code AgentJarTest} checks the jar's contents; this checks the behaviour.
 */
class AppByteBuddyReloadTest extends AbstractReloadTest {

  static final Path APP_BYTEBUDDY = Path.of(System.getProperty("baton.appByteBuddy.dir", "target/app-bytebuddy"));

  @BeforeEach
  void jarCopied() {
    assumeTrue(Files.isDirectory(APP_BYTEBUDDY), APP_BYTEBUDDY + " missing: run through Maven (process-test-classes copies it)");
  }

  @Override
  String mainClass() {
    return ByteBuddyApp.class.getName();
  }

  @Override
  String classpath() {
    return Workers.classpathWithJarsIn(APP_BYTEBUDDY);
  }

  @Override
  void checkTranscript(String transcript) {
    assertThat(transcript)
        .as("every generation used the application's own ByteBuddy and adopted the inherited socket")
        .contains("app byte-buddy from ", "baton-agent: adopted ");
    assertThat(transcript.lines().filter(line -> line.startsWith("app byte-buddy from ")))
        .allSatisfy(line -> assertThat(line).endsWith("/byte-buddy-1.14.18.jar"));
  }
}
