package dev.baton.sidecar.supervise;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import dev.baton.sidecar.Log;
import dev.baton.sidecar.files.EnvDir;

/**
 * The environment of each worker generation, start_server's way: the supervisor's own, the
 * options start_server exports (ENVDIR, ENABLE_AUTO_RESTART, AUTO_RESTART_INTERVAL,
 * KILL_OLD_DELAY), the envdir read anew before every spawn, then SERVER_STARTER_PORT and
 * SERVER_STARTER_GENERATION. Because the envdir may override the exported options, the supervisor
 * reads them back from here: the latest read wins, as in start_server.
 */
final class WorkerEnvironment {
    private final Map<String, String> base;
    private final String serverStarterPort;
    /** The base with the envdir as last read (the options above as they now apply). */
    private Map<String, String> effective;

    WorkerEnvironment(Map<String, String> base, String serverStarterPort) {
        this.base = Map.copyOf(base);
        this.serverStarterPort = serverStarterPort;
        this.effective = this.base;
    }

    /** A fresh copy for {@code generation}'s worker, the envdir read again. */
    Map<String, String> forGeneration(int generation) throws IOException {
        Map<String, String> env = readEnvDir();
        env.put("SERVER_STARTER_PORT", serverStarterPort);
        env.put("SERVER_STARTER_GENERATION", Integer.toString(generation));
        return env;
    }

    /** start_server re-reads the envdir on every turn of its loop: it may switch auto-restart on. */
    void refresh() {
        if (base.get("ENVDIR") == null) {
            return;
        }
        try {
            readEnvDir();
        } catch (IOException e) {
            // reported when a reload actually needs the envdir; the serving worker is unaffected
        }
    }

    private Map<String, String> readEnvDir() throws IOException {
        Map<String, String> env = new TreeMap<>(base);
        env.remove("NOTIFY_SOCKET"); // ours to set; the supervisor's own (systemd's) is not the worker's
        env.remove("BATON_NOTIFY_FD");
        String envDir = env.get("ENVDIR");
        if (envDir != null && !envDir.isEmpty()) {
            env.putAll(EnvDir.read(Path.of(envDir)));
        }
        effective = Map.copyOf(env);
        return env;
    }

    /** --kill-old-delay / KILL_OLD_DELAY: 0 by default, 5 s with auto-restart, as start_server. */
    Duration killOldDelay() {
        String value = effective.get("KILL_OLD_DELAY");
        if (value != null && !value.isEmpty()) {
            return Duration.ofMillis((long) (parseDouble(value, 0) * 1000));
        }
        return autoRestart() ? Duration.ofSeconds(5) : Duration.ZERO;
    }

    /** --enable-auto-restart / ENABLE_AUTO_RESTART. */
    boolean autoRestart() {
        String value = effective.get("ENABLE_AUTO_RESTART");
        return value != null && !value.isEmpty() && !"0".equals(value);
    }

    /** --auto-restart-interval / AUTO_RESTART_INTERVAL in whole seconds, 360 by default. */
    long autoRestartInterval() {
        return (long) parseDouble(effective.get("AUTO_RESTART_INTERVAL"), 360);
    }

    private static double parseDouble(String value, double fallback) {
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            Log.warn("ignoring non-numeric value '" + value + "'");
            return fallback;
        }
    }
}
