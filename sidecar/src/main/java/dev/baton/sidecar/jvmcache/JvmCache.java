package dev.baton.sidecar.jvmcache;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.baton.sidecar.spawn.ExitStatus;

/**
 * A class-data cache for JVM workers ({@code --jvm-cache DIR}): the first generation of a command line
 * trains it, a background process builds it, and every later generation starts with it (a JDK 25 AOT cache,
 * or an AppCDS archive on JDK 17). The supervisor asks it how to start each generation ({@link #launch}) and
 * tells it what became of that generation ({@link Launch}) and of every child process ({@link #exited}).
 *
 * <p>Its rules: it never delays a reload (the supervisor's loop only reads a few file attributes here;
 * building and checking run on a niced thread of their own, in niced processes); it never makes a
 * generation fail to start (a generation that started with it and exits before it is ready is started
 * again at once without it, and the cache is blamed only if that one comes up); and a cache the JVM does
 * not use is noticed (the worker has not mapped it) and built again.
 */
public interface JvmCache {

    /** No cache: every generation starts with the worker's own command. */
    JvmCache OFF = new JvmCache() {
        @Override
        public Launch launch(int generation, List<String> command, Map<String, String> env) {
            return Launch.plain(command);
        }

        @Override
        public void exited(int pid, ExitStatus status) {
        }

        @Override
        public void close() {
        }
    };

    /**
     * The cache in {@code directory} (created, mode 0700), at most {@code maxBytes} (least recently used keys
     * removed first), for workers started in {@code workerDirectory}.
     *
     * @throws IOException with one line saying why the directory cannot be used
     */
    static JvmCache open(Path directory, long maxBytes, Path workerDirectory) throws IOException {
        return new ManagedJvmCache(CacheDirectory.open(directory, maxBytes), workerDirectory);
    }

    /**
     * How to start {@code generation}: the worker's {@code command}, with the cache's options after {@code
     * java} when it trains or uses a cache. Called on the supervisor's loop: it must be quick.
     */
    Launch launch(int generation, List<String> command, Map<String, String> env);

    /** A child of the supervisor exited: a worker, or one of the cache's own build processes. */
    void exited(int pid, ExitStatus status);

    /** The supervisor exits: a build still running is stopped (the next baton builds from the recording). */
    void close();

    /** One generation's start, and what the cache needs to hear about it. */
    interface Launch {
        /** The command to spawn. */
        List<String> command();

        /** It was spawned as {@code pid}. */
        default void started(int pid) {
        }

        /** It could not be spawned. */
        default void notStarted() {
        }

        /** It is ready (serving). */
        default void ready() {
        }

        /**
         * It exited before it was ready. True when it ran with the cache's options, which may be why: the
         * supervisor then starts the next generation at once, without them (not a retry, not a failure of
         * the reload yet), and whether that one comes up tells whether the cache was to blame.
         */
        default boolean startAgainWithoutCache(ExitStatus status) {
            return false;
        }

        /** The worker's own command, nothing added. */
        static Launch plain(List<String> command) {
            List<String> copy = List.copyOf(command);
            return () -> copy;
        }
    }
}
