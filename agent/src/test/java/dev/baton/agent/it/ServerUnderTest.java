package dev.baton.agent.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.testkit.process.StartedProcess;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;

/**
 * What every behaviour test (a test interface: {@link ReloadUnderLoad}, {@link RequestInFlightDrain}, ...) knows
 * of the server it runs: the server and the JDK its workers run on. A per-server test class ({@link ServerTest})
 * provides both and lists the behaviours the server supports, OpenTelemetry's {@code AbstractHttpServerTest}
 * shape with JUnit test interfaces, so that one class can take several behaviours.
 */
interface ServerUnderTest {

  Server server();

  Jdk jdk();

  @BeforeEach
  default void serverRunsHere() {
    jdk().assumeInstalled();
    server().assumeRunnable();
  }

  /** Skips a drain behaviour where {@link Jdk#runsDrainTestsOf} says this JDK leaves it to the reload test. */
  default void assumeDrainTestedOnThisJdk() {
    assumeTrue(jdk().runsDrainTestsOf(server()), () -> jdk().name()
        + " runs the reload test of " + server() + " (its drains under load), the drain cases of the JDK's own"
        + " servers only: a framework's side of a drain is the same on every build of 17");
  }

  /** The server's sample as a worker on this JDK with the agent ({@code agentOptions} may be empty). */
  default List<String> worker(String agentOptions, String... args) {
    return server().command(jdk(), List.of(), agentOptions, args);
  }

  /** The sample under the fake supervisor on {@code 127.0.0.1:port}, with the agent. */
  default StartedProcess startUnderFakeSupervisor(int port, String agentOptions) throws IOException {
    return FakeSupervisor.start("127.0.0.1:" + port, worker(agentOptions, Integer.toString(port)), Map.of());
  }

  /** The test-wide rules for a normal run's output ({@link WorkerLog}): clean, and the server's own drains ran. */
  default void assertCleanRunWithOwnDrain(StartedProcess process) {
    WorkerLog.assertClean(process.transcript(), server(), who());
    WorkerLog.assertOwnDrainRan(process.transcript(), server().ownDrains(), who());
  }

  /** The server and the JDK, for failure messages: {@code TomcatApp on JDK_25 (25.0.3+9-LTS)}. */
  default String who() {
    return "(" + server() + " on " + jdk() + ")";
  }
}
