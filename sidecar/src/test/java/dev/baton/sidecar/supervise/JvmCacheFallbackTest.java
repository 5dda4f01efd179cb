package dev.baton.sidecar.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.baton.sidecar.jvmcache.JvmCache;
import dev.baton.sidecar.posix.Signals;
import dev.baton.sidecar.spawn.ExitStatus;

/**
 * The JVM cache must never make a worker fail to start: a generation started with the cache's options that
 * exits before it is ready is followed at once by one without them, as the same attempt of the same reload
 * (no retry needed, the first start does not end baton). The cache here is scripted; the real one, with real
 * JVMs and a damaged cache, is {@code JvmCacheIT}'s.
 */
class JvmCacheFallbackTest {

    /** Adds {@code -XX:AOTCache=app.aot} unless the previous generation fell back; records what it hears. */
    private static final class ScriptedCache implements JvmCache {
        final List<String> heard = new ArrayList<>();
        private boolean withoutNext;

        @Override
        public Launch launch(int generation, List<String> command, Map<String, String> env) {
            boolean with = !withoutNext;
            withoutNext = false;
            List<String> argv = new ArrayList<>(command);
            if (with) {
                argv.add(1, "-XX:AOTCache=app.aot");
            }
            return new Launch() {
                @Override
                public List<String> command() {
                    return argv;
                }

                @Override
                public void ready() {
                    heard.add(generation + " ready");
                }

                @Override
                public boolean startAgainWithoutCache(ExitStatus status) {
                    heard.add(generation + " " + status.describe());
                    withoutNext = with;
                    return with;
                }
            };
        }

        @Override
        public void exited(int pid, ExitStatus status) {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aFirstWorkerThatCrashesWithTheCacheIsStartedAgainWithoutItAndBatonServes() {
        ScriptedCache cache = new ScriptedCache();
        try (var s = new InProcessSupervisor(Map.of(), cache, "--readiness=notify").begin()) {
            assertThat(s.workers.generation(1).command()).containsExactly("worker", "-XX:AOTCache=app.aot");

            s.exitBySignal(1, 6);

            assertThat(s.workers.generation(2).command()).as("at once, without the cache").containsExactly("worker");
            assertThat(s.supervisor.started()).isNotDone();
            s.ready(2);
            assertThat(s.supervisor.started()).isCompleted();
            assertThat(cache.heard).containsExactly("1 killed by SIGABRT", "2 ready");
            assertThat(s.log()).noneMatch(line -> line.startsWith("baton: error"));
        }
    }

    @Test
    void aReloadWhoseGenerationCrashesWithTheCacheSucceedsWithoutRetries() {
        ScriptedCache cache = new ScriptedCache();
        try (var s = new InProcessSupervisor(Map.of(), cache, "--readiness=notify").serving()) {
            s.hup();
            s.exit(2, 1);

            assertThat(s.workers.generation(3).command()).containsExactly("worker");
            assertThat(s.reload(1).state()).isEqualTo("starting");
            s.ready(3);
            assertThat(s.reload(1).state()).isEqualTo("succeeded");
            assertThat(s.reload(1).attempts()).as("the same attempt").isEqualTo(1);
            assertThat(s.workers.signalsTo(s.pid(1))).containsExactly("TERM");
            assertThat(cache.heard).containsExactly("1 ready", "2 exit code 1", "3 ready");
        }
    }

    @Test
    void whenTheWorkerFailsWithoutTheCacheTooTheReloadFailsAsAnyOther() {
        ScriptedCache cache = new ScriptedCache();
        try (var s = new InProcessSupervisor(Map.of(), cache, "--readiness=notify").serving()) {
            s.hup();
            s.exit(2, 1);
            s.exit(3, 1);

            assertThat(s.reload(1).state()).isEqualTo("failed");
            assertThat(s.workers.spawned()).hasSize(3);
            assertThat(s.workers.isAlive(s.pid(1))).as("generation 1 keeps serving").isTrue();
            assertThat(s.workers.signalsTo(s.pid(1))).isEmpty();
        }
    }

    @Test
    void noSecondChanceAtShutdown() {
        ScriptedCache cache = new ScriptedCache();
        try (var s = new InProcessSupervisor(Map.of(), cache, "--readiness=notify").serving()) {
            s.workers.ignoreTerm(s.pid(1));
            s.hup();
            s.signal(Signals.SIGTERM);
            s.exit(2, 143);

            assertThat(s.workers.spawned()).hasSize(2);
        }
    }
}
