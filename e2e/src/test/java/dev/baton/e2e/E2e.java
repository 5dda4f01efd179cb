package dev.baton.e2e;

import dev.baton.e2e.server.SupervisedServer;
import dev.baton.testkit.baton.BatonHome;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** What the e2e tests share: the built checkout, and a HUP sent at a fixed rate. */
final class E2e {

  private E2e() {}

  /** The checkout whose bin/baton, agent jar and sample jar the tests run (built by the reactor). */
  static BatonHome home() {
    return BatonHome.locate().requireBuilt();
  }

  /** {@code while true; do kill -HUP $pid; sleep P; done}, as the article did, until closed. */
  static AutoCloseable hupEvery(SupervisedServer server, long periodMillis) {
    ScheduledExecutorService hups = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "hup");
      t.setDaemon(true);
      return t;
    });
    hups.scheduleAtFixedRate(server::hup, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    return () -> {
      hups.shutdownNow();
      hups.awaitTermination(10, TimeUnit.SECONDS);
    };
  }

  /** The end of the supervisor's output, for failure messages. */
  static String tail(SupervisedServer server) {
    String output = server.process().output();
    return "\n--- " + server.kind().supervisor() + " output (end) ---\n"
        + output.substring(Math.max(0, output.length() - 6000));
  }
}
