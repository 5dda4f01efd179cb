package dev.baton.sidecar.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** {@link CrashBackoff} alone: the run of failures, when it starts over, and the waits it gives under Baton's rules. */
class CrashBackoffTest {
    private static CrashBackoff baton(String... options) {
        return new CrashBackoff(Retries.of(InProcessSupervisor.config(options)));
    }

    @Test
    void failuresAndCrashesInARowBackOffOnceAtOnceThenOneTwoFourSeconds() {
        CrashBackoff c = baton();
        assertThat(c.beforeRestart()).isZero();
        c.servingDied(Duration.ofSeconds(5).toNanos());
        assertThat(c.beforeRestart()).isZero();
        c.generationFailed();
        assertThat(c.beforeRestart()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.looping()).isFalse();
        c.servingDied(Duration.ofSeconds(29).toNanos());
        assertThat(c.failuresInARow()).isEqualTo(3);
        assertThat(c.beforeRestart()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.looping()).isTrue();
        c.generationFailed();
        assertThat(c.beforeRestart()).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void aWorkerThatServedThirtySecondsStartsTheRunOver() {
        CrashBackoff c = baton();
        c.generationFailed();
        c.generationFailed();
        c.generationFailed();
        c.servingDied(CrashBackoff.STABLE_AFTER.toNanos());
        assertThat(c.failuresInARow()).isEqualTo(1);
        assertThat(c.beforeRestart()).isZero();
        assertThat(c.looping()).isFalse();
    }

    @Test
    void aFirstStartGivesUpOnceItsStartRetriesAreSpentButNeverAfterAWorkerServed() {
        CrashBackoff c = baton("--start-retries", "1");
        c.generationFailed();
        assertThat(c.startGivesUp(false)).isFalse();
        c.generationFailed();
        assertThat(c.startGivesUp(false)).isTrue();
        assertThat(c.startGivesUp(true)).isFalse();
    }

    @Test
    void startServersRulesNeverWaitNorGiveUp() {
        CrashBackoff c = baton("--compat", "start_server");
        for (int i = 0; i < 10; i++) {
            c.generationFailed();
        }
        assertThat(c.beforeRestart()).isZero();
        assertThat(c.startGivesUp(false)).isFalse();
    }
}
