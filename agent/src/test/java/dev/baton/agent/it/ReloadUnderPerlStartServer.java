package dev.baton.agent.it;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same reload under Perl's real start_server, which sends no readiness and retires the old worker one
 * second after the spawn: baton's workers run under the original too.
 */
interface ReloadUnderPerlStartServer extends ReloadUnderLoad {

  @Test
  default void hupUnderPerlStartServerReplacesWorkersWithoutAFailedRequest(@TempDir Path tempDir) throws Exception {
    reloadUnderLoad(Supervisor.PERL_START_SERVER, reloads(), tempDir);
  }
}
