package dev.baton.agent.it;

import static dev.baton.testkit.sample.Replies.PID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import dev.baton.testkit.signal.Signals;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The drain's core promise, checked the same way for every server: a request in flight at TERM is answered. */
final class InFlightRequest {

  private InFlightRequest() {}

  /**
   * The server's sample under the fake supervisor: {@link #answeredThroughTerm(StartedProcess, int, long)}, and a
   * Spring Boot sample's context closed after the drain. Returns the fake supervisor, its worker gone.
   */
  static StartedProcess answeredThroughTerm(ServerUnderTest target) throws Exception {
    int port = FreePorts.next();
    StartedProcess supervisor = target.startUnderFakeSupervisor(port, "drainTimeout=60s");
    try {
      FakeSupervisor.awaitReady(supervisor);
      answeredThroughTerm(supervisor, port, FakeSupervisor.workerPid(supervisor));
      SpringContext.assertClosedAfterTheDrain(target.server(), supervisor);
      return supervisor;
    } catch (Exception | AssertionError e) {
      supervisor.close();
      throw e;
    }
  }

  /**
   * Sends {@code /slow?ms=2000} to the worker, TERM once the worker is handling it, and checks that the
   * draining worker answers it and then exits with 143 (the JVM's exit for TERM, after the drain).
   */
  static void answeredThroughTerm(StartedProcess supervisor, int port, long worker) throws Exception {
    CompletableFuture<Long> slow = sent(supervisor, port, 2000);
    Signals.require(worker, "TERM");

    assertThat(slow.get(30, TimeUnit.SECONDS)).as("answered by the draining worker").isEqualTo(worker);
    supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(30));
    assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
  }

  /**
   * Sends {@code /slow?ms=<millis>} on a connection of its own and returns once the worker is handling it;
   * the future completes with the pid that answered.
   */
  static CompletableFuture<Long> sent(StartedProcess supervisor, int port, int millis) {
    CompletableFuture<Long> slow = CompletableFuture.supplyAsync(() -> {
      try {
        return PID.ask(port, "/slow?ms=" + millis).pid();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    supervisor.awaitStdout(line -> line.startsWith("handling /slow"), Duration.ofSeconds(10));
    return slow;
  }
}
