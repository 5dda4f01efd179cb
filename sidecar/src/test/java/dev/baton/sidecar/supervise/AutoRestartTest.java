package dev.baton.sidecar.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * {@link AutoRestart} alone, on a manual clock: when it asks for a reload (the supervisor's part, starting
 * one, is {@link ReloadPhasesTest}'s and the start_server differential test's).
 */
class AutoRestartTest {
    private final ManualLoop loop = new ManualLoop();
    private final WorkerTable workers = new WorkerTable();
    private final List<Duration> requests = new ArrayList<>();
    private boolean starting;

    private AutoRestart autoRestart(Map<String, String> env) {
        return new AutoRestart(loop, new WorkerEnvironment(env, "8080=3"), workers, () -> starting,
                () -> requests.add(loop.elapsed()));
    }

    private AutoRestart every10s() {
        return autoRestart(Map.of("ENABLE_AUTO_RESTART", "1", "AUTO_RESTART_INTERVAL", "10"));
    }

    private Worker serve(int generation) {
        Worker w = new Worker(generation, 1000 + generation, null, false, null, loop.nanoTime(), loop.now());
        workers.add(w);
        workers.serve(w);
        return w;
    }

    @Test
    void asksForAReloadEveryIntervalCountedFromWhenTheLastGenerationBecameReady() {
        AutoRestart a = every10s();
        serve(1);
        a.begin();
        loop.advance(Duration.ofMillis(2500));
        a.ready(loop.nanoTime()); // ready at 2.5 s: the checks now come at 3.5 s, 4.5 s, … 12.5 s
        loop.advance(Duration.ofMillis(9999));
        assertThat(requests).isEmpty();
        loop.advance(Duration.ofMillis(1));
        assertThat(requests).containsExactly(Duration.ofMillis(12500));
    }

    @Test
    void waitsWhileOlderWorkersRunUnlessTwiceTheIntervalHasPassed() {
        AutoRestart a = every10s();
        Worker first = serve(1);
        serve(2); // generation 1 still drains
        assertThat(workers.olderThan(2)).containsExactly(first);
        a.begin();
        loop.advance(Duration.ofSeconds(19));
        assertThat(requests).isEmpty();
        loop.advance(Duration.ofSeconds(1));
        assertThat(requests).containsExactly(Duration.ofSeconds(20));
    }

    @Test
    void asksNothingWhileAGenerationStartsOrNoneServes() {
        AutoRestart a = every10s();
        a.begin();
        loop.advance(Duration.ofSeconds(30)); // none serves
        assertThat(requests).isEmpty();
        serve(1);
        starting = true;
        loop.advance(Duration.ofSeconds(30));
        assertThat(requests).isEmpty();
        starting = false;
        loop.advance(Duration.ofSeconds(1));
        assertThat(requests).hasSize(1);
    }

    @Test
    void isOffUnlessEnabledAndStopsForGood() {
        AutoRestart off = autoRestart(Map.of("AUTO_RESTART_INTERVAL", "1"));
        serve(1);
        off.begin();
        loop.advance(Duration.ofSeconds(5));
        assertThat(requests).isEmpty();

        AutoRestart on = every10s();
        on.begin();
        on.stop();
        loop.advance(Duration.ofSeconds(60));
        assertThat(requests).isEmpty();
    }

    @Test
    void theEnvdirCanSwitchItOnWhileBatonRuns(@org.junit.jupiter.api.io.TempDir java.nio.file.Path envdir) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("ENVDIR", envdir.toString());
        AutoRestart a = autoRestart(env);
        serve(1);
        a.begin();
        loop.advance(Duration.ofSeconds(5));
        assertThat(requests).isEmpty();
        java.nio.file.Files.writeString(envdir.resolve("ENABLE_AUTO_RESTART"), "1\n");
        java.nio.file.Files.writeString(envdir.resolve("AUTO_RESTART_INTERVAL"), "6\n");
        loop.advance(Duration.ofSeconds(1));
        assertThat(requests).containsExactly(Duration.ofSeconds(6));
    }
}
