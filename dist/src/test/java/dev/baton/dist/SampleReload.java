package dev.baton.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.testkit.http.Http;
import dev.baton.testkit.process.StartedProcess;
import dev.baton.testkit.signal.Signals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What every package must do with the sample worker and the agent: baton serves generation 1, a HUP
 * (to the pid in its pid file) brings generation 2, TERM ends baton with 0, and nothing logged a warning.
 */
final class SampleReload {
    private SampleReload() {
    }

    static void servesThroughAHup(String what, StartedProcess baton, int port, Path pidFile) throws Exception {
        await().atMost(Duration.ofMinutes(1)).until(() -> Http.bodyOrNull(port, "/") != null || !baton.isAlive());
        assertThat(Http.bodyOrNull(port, "/")).as("%s's output:%n%s", what, baton.output()).startsWith("gen=000001");
        Signals.require(Long.parseLong(Files.readString(pidFile).strip()), "HUP");
        await().atMost(Duration.ofMinutes(1)).until(() -> String.valueOf(Http.bodyOrNull(port, "/")).startsWith("gen=000002"));
        Signals.require(Long.parseLong(Files.readString(pidFile).strip()), "TERM");
        assertThat(baton.awaitExit(Duration.ofMinutes(1))).as("%s's exit; output:%n%s", what, baton.output()).isZero();
        baton.awaitOutputEnd(Duration.ofSeconds(10)); // every line it wrote, its last ones too, is checked below
        assertThat(baton.output()).contains("baton-agent: adopted 127.0.0.1:" + port);
        Quiet.assertNoWarnings(what, baton.output());
    }
}
