package dev.baton.sidecar.supervise;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the supervisor needs to know, as getters. The command line implements it; the supervisor
 * sees nothing else, so it can be driven by tests or another front end.
 */
public interface SupervisorConfig {
    /** The worker command and its arguments (what follows {@code --}). */
    List<String> command();

    Optional<Path> directory();

    /** start_server's {@code --interval}: a worker alive this long (that never spoke sd_notify) is ready. */
    Duration interval();

    int signalOnHup();

    int signalOnTerm();

    Optional<Path> statusFile();

    /**
     * Variables start_server exports to the worker (and lets the envdir override): ENVDIR,
     * ENABLE_AUTO_RESTART, AUTO_RESTART_INTERVAL, KILL_OLD_DELAY — only those given on the command line;
     * and Baton's BATON_LOG_FORMAT, BATON_LOG_TIMESTAMPS when not the defaults, for the agent.
     */
    Map<String, String> exportedOptions();

    Readiness readiness();

    /** How long a new generation may take to become ready before it is killed and the reload fails. */
    Duration readyTimeout();

    /** After this, a worker told to stop that is still alive gets SIGKILL; empty = wait forever (as Perl). */
    Optional<Duration> drainTimeout();

    /** How many times the very first worker may fail to start before the supervisor gives up. */
    int startRetries();

    /**
     * How often a reload whose new generation fails is tried again while the old generation serves;
     * 0 = the reload fails at once.
     */
    int reloadRetries();

    /** Wait before the first reload retry; doubled for each next one, capped at 30 s. */
    Duration reloadRetryDelay();

    /**
     * The longest a reload may take under these options before its new generation is ready or the
     * reload has failed (Baton's rules): each attempt (1 + --reload-retries) up to --ready-timeout, never
     * less than --interval, and the retry delays between them.
     */
    default Duration longestReloadStart() {
        Duration attempt = readyTimeout().compareTo(interval()) < 0 ? interval() : readyTimeout();
        Duration longest = attempt.multipliedBy(reloadRetries() + 1L);
        for (int retry = 1; retry <= reloadRetries(); retry++) {
            longest = longest.plus(Retries.Baton.retryDelay(reloadRetryDelay(), retry));
        }
        return longest;
    }

    /** Baton's rules for a generation that fails to start, or Perl start_server's ({@code bin/start_server}). */
    Compat compat();

    /** How long a reload waits for the configs it expects (POST /reload's expect, without its own expectTimeout) to be mounted. */
    Duration configWait();

    /** Where each worker's NOTIFY_SOCKET lives (a private directory). */
    Path runtimeDirectory();

    /** {@code --jvm-cache}: the directory of the class-data caches for JVM workers; empty: none. */
    default Optional<Path> jvmCache() {
        return Optional.empty();
    }

    /** {@code --jvm-cache-size}: the most the cache directory holds (least recently used keys go first). */
    default long jvmCacheSize() {
        return 1L << 30;
    }
}
