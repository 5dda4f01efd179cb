package dev.baton.e2e.timeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.e2e.timeline.GenerationLives.Life;
import dev.baton.testkit.process.StartedProcess.Line;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Lives read from what the two supervisors printed in real runs here (two HUPs with --kill-old-delay,
 * then TERM), the workers' own lines among them; each line stamped 100 ms after the one before.
 */
class GenerationLivesTest {

  @Test
  void batonNamesTheReadyGenerationAndSignalsAfterTheKillOldDelay() {
    List<Life> lives = GenerationLives.read(lines("""
        start_server (pid:2077) starting now...
        starting new worker 2146
        the worker runs the Baton agent: each generation is ready at its READY=1 (--readiness auto)
        baton-agent: adopted 127.0.0.1:18555 (fd 3)
        received HUP, spawning a new worker
        a new generation is still starting; the reload will follow it (coalesced)
        new worker 2146 (generation 1) is ready (READY=1 after 1872 ms)
        starting new worker 2229
        baton-sample: jdk HttpServer listening on /127.0.0.1:18555, pid 2146
        baton-agent: adopted 127.0.0.1:18555 (fd 3)
        new worker 2229 (generation 2) is ready (READY=1 after 438 ms)
        new worker is now running, sending TERM to old workers:2146
        sleeping 500 ms before killing old workers
        baton-sample: jdk HttpServer listening on /127.0.0.1:18555, pid 2229
        killing old workers
        baton-agent: drained in 7 ms
        old worker 2146 died, status:36608
        received TERM, sending TERM to all workers:2229
        baton-agent: drained in 17 ms
        worker 2229 died, status:36608
        exiting
        """));
    assertThat(lives).containsExactly(
        new Life(2146, 1, 200, 700, 1500, 1700),
        new Life(2229, 2, 800, 1100, 1800, 2000));
  }

  @Test
  void startServerNamesNoPidOnReadyTheNewestIsMeant() {
    List<Life> lives = GenerationLives.read(lines("""
        start_server (pid:26502) starting now...
        starting new worker 26567
        Plack::Handler::Starlet: Accepting connections at http://127.0.0.1:18556/
        received HUP, spawning a new worker
        starting new worker 27487
        Plack::Handler::Starlet: Accepting connections at http://127.0.0.1:18556/
        new worker is now running, sending TERM to old workers:26567
        sleeping 1 secs before killing old workers
        killing old workers
        old worker 26567 died, status:0
        received HUP, spawning a new worker
        starting new worker 27817
        new worker is now running, sending TERM to old workers:27487
        killing old workers
        old worker 27487 died, status:0
        """));
    // the first generation's readiness is never printed by start_server
    assertThat(lives).containsExactly(
        new Life(26567, 1, 200, -1, 900, 1000),
        new Life(27487, 2, 500, 700, 1400, 1500),
        new Life(27817, 3, 1200, 1300, -1, -1));
  }

  /** Lines stamped 100, 200, 300… */
  private static List<Line> lines(String text) {
    List<Line> lines = new ArrayList<>();
    text.lines().forEach(l -> lines.add(new Line(100L * (lines.size() + 1), l)));
    return lines;
  }
}
