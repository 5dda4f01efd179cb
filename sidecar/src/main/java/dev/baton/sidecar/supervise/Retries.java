package dev.baton.sidecar.supervise;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What happens after a generation fails to become ready (it exited, missed {@code --ready-timeout},
 * or could not be spawned): when to try again, or give up. Baton's rules ({@link Baton}) are bounded
 * and visible: a first start fails after {@code --start-retries}, a reload after
 * {@code --reload-retries}, and a crash loop backs off exponentially. start_server's
 * ({@link StartServer}) never give up.
 */
interface Retries {

    /** The wait before {@code reload}'s next attempt, or empty to give up. */
    Optional<Duration> afterFailure(Reload reload, Situation situation);

    /** Whether the supervisor gives up when nothing serves and a start fails: it then exits 1. */
    boolean startGivesUp(boolean everServed, int failuresInARow);

    /** The wait before starting again once nothing serves, after {@code failuresInARow} failures and crashes. */
    Duration beforeRestart(int failuresInARow);

    /**
     * Whether a wait for the next attempt is cut short: a failed reload retried at once when someone
     * asks again (they may just have fixed it) or when nothing serves any more, a restart's backoff
     * replaced by the reload asked for meanwhile. Otherwise a request waits for the generation being
     * started, as a HUP does in start_server.
     */
    boolean impatient();

    /** How many generations one reload may start, if that is bounded. */
    OptionalInt maxAttempts();

    /** The rule, as the log names it: "--reload-retries 2". */
    String rule();

    /** What a decision depends on besides the reload itself. */
    record Situation(boolean oldServes, boolean newerRequested, boolean everServed, int failuresInARow) {
    }

    static Retries of(SupervisorConfig config) {
        return config.compat() == Compat.START_SERVER ? new StartServer(config.interval()) : new Baton(config);
    }

    /** {@code --start-retries}, {@code --reload-retries} with {@code --reload-retry-delay}, the crash-loop backoff. */
    final class Baton implements Retries {
        private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
        private final SupervisorConfig config;

        Baton(SupervisorConfig config) {
            this.config = config;
        }

        @Override
        public Optional<Duration> afterFailure(Reload reload, Situation s) {
            if (reload.requested()) {
                // only while the old generation serves, and never in the way of a newer request
                return s.oldServes() && !s.newerRequested() && reload.attempts() <= config.reloadRetries()
                        ? Optional.of(retryDelay(config.reloadRetryDelay(), reload.attempts())) : Optional.empty();
            }
            return startGivesUp(s.everServed(), s.failuresInARow()) ? Optional.empty() : Optional.of(backoff(s.failuresInARow()));
        }

        /** A first start that keeps failing ends baton: a supervisor that loops silently on a broken command helps no one. */
        @Override
        public boolean startGivesUp(boolean everServed, int failuresInARow) {
            return !everServed && failuresInARow > config.startRetries();
        }

        @Override
        public Duration beforeRestart(int failuresInARow) {
            return backoff(failuresInARow);
        }

        @Override
        public boolean impatient() {
            return true;
        }

        @Override
        public OptionalInt maxAttempts() {
            return OptionalInt.of(config.reloadRetries() + 1);
        }

        @Override
        public String rule() {
            return "--reload-retries " + config.reloadRetries();
        }

        /** --reload-retry-delay, doubled for each retry after the first, at most 30 s. */
        static Duration retryDelay(Duration first, int failedAttempts) {
            Duration d = first.multipliedBy(1L << Math.min(Math.max(failedAttempts - 1, 0), 20));
            return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
        }

        /** Once at once, then 1 s, 2 s, 4 s … 30 s while the failures go on. */
        static Duration backoff(int failures) {
            if (failures <= 1) {
                return Duration.ZERO;
            }
            Duration d = Duration.ofSeconds(1L << Math.min(failures - 2, 5));
            return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
        }
    }

    /**
     * Perl's Server::Starter 0.35 ({@code start_worker}): spawn, wait --interval, and if the worker has
     * died, spawn the next generation at once, until one survives — for the first start, a restart
     * and a reload alike, the old generation serving meanwhile. So each attempt starts --interval
     * after the one before; there is no limit, no backoff, and a restart after a crash is immediate.
     */
    final class StartServer implements Retries {
        private final Duration interval;

        StartServer(Duration interval) {
            this.interval = interval;
        }

        @Override
        public Optional<Duration> afterFailure(Reload reload, Situation s) {
            Duration left = interval.minus(reload.sinceAttempt());
            return Optional.of(left.isNegative() ? Duration.ZERO : left);
        }

        @Override
        public boolean startGivesUp(boolean everServed, int failuresInARow) {
            return false;
        }

        @Override
        public Duration beforeRestart(int failuresInARow) {
            return Duration.ZERO;
        }

        @Override
        public boolean impatient() {
            return false;
        }

        @Override
        public OptionalInt maxAttempts() {
            return OptionalInt.empty();
        }

        @Override
        public String rule() {
            return "start_server: every --interval until one starts";
        }
    }
}
