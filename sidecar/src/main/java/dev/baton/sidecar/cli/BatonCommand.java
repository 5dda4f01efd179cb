package dev.baton.sidecar.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.baton.sidecar.Log;
import dev.baton.sidecar.control.ControlServer;
import dev.baton.sidecar.files.FileErrors;
import dev.baton.sidecar.listen.ListenSpec;
import dev.baton.sidecar.supervise.Compat;
import dev.baton.sidecar.gate.GenerationCap;
import dev.baton.sidecar.memory.MemoryGate;
import dev.baton.sidecar.memory.MemoryMargin;
import dev.baton.sidecar.supervise.Readiness;
import dev.baton.sidecar.supervise.SupervisorConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The {@code baton} / {@code start_server} command line: Perl Server::Starter's flags with their
 * meaning and defaults, plus Baton's readiness, drain and control options.
 */
@Command(name = "baton", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        usageHelpAutoWidth = true,
        header = "Zero-downtime restarts: holds a server's listening sockets and hands them to each new generation of it.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "baton|start_server [OPTIONS] -- COMMAND [ARGS...]",
        description = {"",
                "Opens the listening sockets, holds them, and runs COMMAND with them inherited (SERVER_STARTER_PORT,"
                        + " SERVER_STARTER_GENERATION). On SIGHUP it starts a new generation, waits until it is ready, then"
                        + " tells the older ones to finish and exit. A drop-in for Perl's start_server (Server::Starter 0.35):"
                        + " the same options, environment, pid and status files.", ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
                "0:Stopped by TERM or INT once its workers had exited; or --stop, --restart, --help, --version done.",
                "1:Could not start (the first worker failed, a socket or file could not be opened), or --restart's reload failed.",
                "2:A wrong option or value (the line on stderr names it)."})
public final class BatonCommand implements Callable<Integer>, SupervisorConfig {
    /**
     * Serving, starting, and one generation still draining: a burst of reloads never piles up more JVMs
     * than that (each holds its heap until it exits), while one slow drain does not hold a reload back.
     */
    static final int DEFAULT_MAX_GENERATIONS = 3;

    @Spec
    CommandSpec spec;

    /** The values of an option that names an enum constant in lower case, for shell completion. */
    private abstract static class LowerCaseNames implements Iterable<String> {
        private final Enum<?>[] values;

        LowerCaseNames(Enum<?>[] values) {
            this.values = values;
        }

        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(values).map(v -> v.name().toLowerCase(java.util.Locale.ROOT)).iterator();
        }
    }

    /** auto, notify, alive. */
    public static final class ReadinessModes extends LowerCaseNames {
        public ReadinessModes() {
            super(Readiness.values());
        }
    }

    /** baton, start_server. */
    public static final class CompatNames extends LowerCaseNames {
        public CompatNames() {
            super(Compat.values());
        }
    }

    // ---- start_server's options
    @Option(names = "--port", paramLabel = "[HOST:]PORT[=FD]", converter = ListenSpecs.Port.class,
            description = "TCP port to listen on: 8080, 127.0.0.1:8080, [::1]:8080, u53 for UDP, =FD to choose the worker's fd. Repeatable.")
    List<ListenSpec> ports = new ArrayList<>();

    @Option(names = "--path", paramLabel = "PATH", converter = ListenSpecs.UnixPath.class, description = "Unix socket to listen on (removed on exit). Repeatable.")
    List<ListenSpec> paths = new ArrayList<>();

    @Option(names = "--dir", paramLabel = "DIR", description = "Working directory of the worker.")
    Path dir;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "1", converter = Durations.class,
            description = "A new worker still alive after this (and silent on NOTIFY_SOCKET) is ready (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--signal-on-hup", paramLabel = "SIGNAL", defaultValue = "TERM", converter = SignalName.class,
            completionCandidates = SignalName.Names.class,
            description = "Signal sent to old workers once the new generation is ready (default: ${DEFAULT-VALUE}).")
    int signalOnHup;

    @Option(names = "--signal-on-term", paramLabel = "SIGNAL", defaultValue = "TERM", converter = SignalName.class,
            completionCandidates = SignalName.Names.class,
            description = "Signal sent to the workers when baton receives TERM (default: ${DEFAULT-VALUE}).")
    int signalOnTerm;

    @Option(names = "--pid-file", paramLabel = "FILE", description = "Write baton's pid here, locked with flock(2) while it runs.")
    Path pidFile;

    @Option(names = "--status-file", paramLabel = "FILE", description = "Keep 'generation:pid' lines of the live workers here.")
    Path statusFile;

    @Option(names = "--envdir", paramLabel = "DIR", description = "Directory of environment variables (one file each), re-read at every restart.")
    Path envdir;

    @Option(names = "--log-file", paramLabel = "FILE|'| CMD'", description = "Send baton's and the workers' stdout and stderr to FILE, or pipe it to CMD.")
    String logFile;

    @Option(names = "--daemonize", description = "Go to the background (needs --log-file).")
    boolean daemonize;

    @Option(names = "--backlog", paramLabel = "N", description = "listen(2) backlog (default: the system's somaxconn).")
    Integer backlog;

    @Option(names = "--enable-auto-restart", description = "Restart the worker every --auto-restart-interval.")
    boolean enableAutoRestart;

    @Option(names = "--auto-restart-interval", paramLabel = "SECONDS", description = "Interval of --enable-auto-restart (default: 360).")
    String autoRestartInterval;

    @Option(names = "--kill-old-delay", paramLabel = "SECONDS",
            description = "Wait this long after the new generation is ready before signalling the old (default: 0, or 5 with auto-restart).")
    String killOldDelay;

    @Option(names = "--restart", description = "Tell the running baton (--pid-file, --status-file) to reload, and wait until it is done.")
    boolean restart;

    @Option(names = "--stop", description = "Tell the running baton (--pid-file) to stop, and wait until it has exited.")
    boolean stop;

    // ---- Baton's additions
    @Option(names = "--compat", paramLabel = "NAME", defaultValue = "baton", completionCandidates = BatonCommand.CompatNames.class,
            description = "Whose rules for a generation that fails to start: baton, or start_server (Perl's: spawn again every --interval until one survives, without limit; set by bin/start_server) (default: ${DEFAULT-VALUE}).")
    String compat;

    @Option(names = "--readiness", paramLabel = "MODE", defaultValue = "auto", completionCandidates = BatonCommand.ReadinessModes.class,
            description = "When a new generation is ready: auto (READY=1 on NOTIFY_SOCKET if the worker speaks it, else alive after --interval), notify, alive (default: ${DEFAULT-VALUE}).")
    String readiness;

    @Option(names = "--ready-timeout", paramLabel = "DURATION", defaultValue = "60s", converter = Durations.class,
            description = "A new generation not ready by then is stopped; the old one keeps serving (default: ${DEFAULT-VALUE}).")
    Duration readyTimeout;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", converter = Durations.class,
            description = "A worker still running this long after it was told to stop gets SIGKILL (default: wait, as start_server).")
    Duration drainTimeout;

    @Option(names = "--start-retries", paramLabel = "N", defaultValue = "0",
            description = "How often the first worker may fail to start before baton gives up (default: ${DEFAULT-VALUE}).")
    int startRetries;

    @Option(names = "--reload-retries", paramLabel = "N", defaultValue = "0",
            description = "How often a reload whose new generation fails (exits or is not ready in time) is retried, the old one serving meanwhile (default: ${DEFAULT-VALUE}: the reload fails at once).")
    int reloadRetries;

    @Option(names = "--reload-retry-delay", paramLabel = "DURATION", defaultValue = "1s", converter = Durations.class,
            description = "Wait before the first reload retry; doubled for each next one, at most 30 s (default: ${DEFAULT-VALUE}).")
    Duration reloadRetryDelay;

    @Option(names = "--control", paramLabel = "HOST:PORT",
            description = "Serve the control and health API (/healthz, /readyz, /status, /reload, /metrics) here.")
    String control;

    @Option(names = "--control-token-file", paramLabel = "FILE",
            description = "Require 'Authorization: Bearer <token>' (the file's content) on the control API, probes excepted.")
    Path controlTokenFile;

    // ---- the gates a reload passes before its generation starts, and what triggers one
    @Option(names = "--max-generations", paramLabel = "N",
            description = "At most N generations alive at once, the starting one included; a reload waits (--room-wait) for an old one to exit (default: " + DEFAULT_MAX_GENERATIONS + ", with --compat=start_server 0; 0: no cap).")
    Integer maxGenerations;

    @Option(names = "--generation-memory", paramLabel = "auto|off|SIZE", defaultValue = "auto", converter = MemoryOptions.GenerationSize.class,
            description = "What a new generation needs, checked against the container's memory limit before it starts: auto (the largest peak a serving generation reached), a size (300M), or off (default: ${DEFAULT-VALUE}).")
    MemoryGate.GenerationSize generationMemory;

    @Option(names = "--memory-margin", paramLabel = "N%|SIZE", defaultValue = "10%", converter = MemoryOptions.Margin.class,
            description = "Memory kept free beyond the new generation's estimate: a percentage of the limit or a size (default: ${DEFAULT-VALUE}).")
    MemoryMargin memoryMargin;

    @Option(names = "--room-wait", paramLabel = "DURATION", defaultValue = "60s", converter = Durations.class,
            description = "How long a reload waits for old generations to exit when its generation would not fit in memory or exceed --max-generations, before it fails (default: ${DEFAULT-VALUE}).")
    Duration roomWait;

    @Option(names = "--watch", paramLabel = "PATH",
            description = "Reload when the files under PATH change (a mounted ConfigMap's ..data swap, a file edited or replaced). Repeatable.")
    List<Path> watch = new ArrayList<>();

    @Option(names = "--watch-debounce", paramLabel = "DURATION", defaultValue = "1s", converter = Durations.class,
            description = "--watch reloads once no file has changed for this long (default: ${DEFAULT-VALUE}).")
    Duration watchDebounce;

    @Option(names = "--config-wait", paramLabel = "DURATION", defaultValue = "3m", converter = Durations.class,
            description = "How long a reload asked with expect (POST /reload) waits for the mounted config to match before it fails (default: ${DEFAULT-VALUE}).")
    Duration configWait;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "${env:BATON_LOG_FORMAT:-text}",
            converter = LogFormats.class, completionCandidates = LogFormats.class,
            description = "text (start_server's lines) or json (one object a line: time, level, logger, msg, and a worker's"
                    + " generation and pid); the workers' agent logs alike (default: ${DEFAULT-VALUE}).")
    Log.Format logFormat;

    @Option(names = "--log-timestamps", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
            defaultValue = "${env:BATON_LOG_TIMESTAMPS:-false}", converter = LogFormats.Timestamps.class,
            description = "Start each text line with the time (RFC 3339, milliseconds), baton's and the agent's (default: ${DEFAULT-VALUE}).")
    boolean logTimestamps;

    // ---- the class-data cache of a java worker
    @Option(names = "--jvm-cache", paramLabel = "DIR",
            description = "Keep a class-data cache for a java worker here (an AOT cache on JDK 25+, AppCDS on 17): the first generation trains it, later ones start with it. Created with mode 0700.")
    Path jvmCache;

    @Option(names = "--jvm-cache-size", paramLabel = "SIZE", defaultValue = "1G", converter = Sizes.class,
            description = "The most --jvm-cache DIR may hold; least recently used command lines' caches are removed first (default: ${DEFAULT-VALUE}).")
    long jvmCacheSize;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The worker command and its arguments, after --.")
    List<String> command = new ArrayList<>();

    Path runtimeDirectory;

    @Override
    public Integer call() throws Exception {
        configureLog();
        if (stop) {
            return ServerClients.stop(pidFile);
        }
        if (restart) {
            // baton's reload fails in bounded time, and then the status file does not change: wait that long
            // for the new generation (plus a margin for the supervisor to act); start_server's never gives up
            // (a reload held at a start gate waits up to --room-wait before its generation starts)
            Duration within = compat() == Compat.START_SERVER ? null : longestReloadStart().plus(roomWait).plusSeconds(5);
            return ServerClients.restart(pidFile, statusFile, control, controlTokenFile, within);
        }
        return new BatonMain(this).run();
    }

    /** --log-format and --log-timestamps take effect (before the first line worth formatting). */
    public void configureLog() {
        Log.configure(logFormat, logTimestamps);
    }

    // ---- SupervisorConfig

    @Override
    public List<String> command() {
        return List.copyOf(command);
    }

    @Override
    public Optional<Path> directory() {
        return Optional.ofNullable(dir);
    }

    @Override
    public Duration interval() {
        return interval;
    }

    @Override
    public int signalOnHup() {
        return signalOnHup;
    }

    @Override
    public int signalOnTerm() {
        return signalOnTerm;
    }

    @Override
    public Optional<Path> statusFile() {
        return Optional.ofNullable(statusFile).map(Path::toAbsolutePath);
    }

    @Override
    public Map<String, String> exportedOptions() {
        Map<String, String> env = new LinkedHashMap<>();
        if (envdir != null) {
            env.put("ENVDIR", envdir.toString());
        }
        if (enableAutoRestart) {
            env.put("ENABLE_AUTO_RESTART", "1");
        }
        if (killOldDelay != null) {
            env.put("KILL_OLD_DELAY", killOldDelay);
        }
        if (autoRestartInterval != null) {
            env.put("AUTO_RESTART_INTERVAL", autoRestartInterval);
        }
        // the agent in the workers logs as baton does (only when not the default: a plain run's env is Perl's)
        if (logFormat != Log.Format.TEXT) {
            env.put("BATON_LOG_FORMAT", logFormat.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (logTimestamps) {
            env.put("BATON_LOG_TIMESTAMPS", "true");
        }
        return env;
    }

    @Override
    public Readiness readiness() {
        return Readiness.valueOf(readiness.trim().toUpperCase(java.util.Locale.ROOT));
    }

    @Override
    public Duration readyTimeout() {
        return readyTimeout;
    }

    @Override
    public Optional<Duration> drainTimeout() {
        return Optional.ofNullable(drainTimeout);
    }

    @Override
    public int startRetries() {
        return startRetries;
    }

    @Override
    public int reloadRetries() {
        return reloadRetries;
    }

    @Override
    public Duration reloadRetryDelay() {
        return reloadRetryDelay;
    }

    @Override
    public Compat compat() {
        return Compat.valueOf(compat.trim().toUpperCase(java.util.Locale.ROOT));
    }

    @Override
    public Path runtimeDirectory() {
        return runtimeDirectory;
    }

    @Override
    public Duration configWait() {
        return configWait;
    }

    /** --max-generations, or its default: 3, or 0 (no cap) under start_server, whose rules have none. */
    int maxGenerations() {
        if (maxGenerations != null) {
            return maxGenerations;
        }
        return compat() == Compat.START_SERVER ? 0 : DEFAULT_MAX_GENERATIONS;
    }

    @Override
    public Optional<Path> jvmCache() {
        return Optional.ofNullable(jvmCache).map(Path::toAbsolutePath);
    }

    @Override
    public long jvmCacheSize() {
        return jvmCacheSize;
    }

    /** Checks what can be checked before anything is opened; returns the problem or null. */
    String validate() {
        if (command.isEmpty()) {
            return "server program not specified: put the worker command after '--', e.g. baton --port=8080 -- java -jar app.jar";
        }
        try {
            readiness();
        } catch (IllegalArgumentException e) {
            return "invalid --readiness '" + readiness + "': use auto, notify or alive";
        }
        try {
            compat();
        } catch (IllegalArgumentException e) {
            return "invalid --compat '" + compat + "': use baton or start_server";
        }
        if (compat() == Compat.START_SERVER) {
            for (String batonsOwn : List.of("--start-retries", "--reload-retries", "--reload-retry-delay")) {
                if (spec != null && spec.commandLine().getParseResult().hasMatchedOption(batonsOwn)) {
                    return batonsOwn + " is baton's own: start_server spawns a failed generation again every --interval,"
                            + " without limit (run bin/baton for bounded retries)";
                }
            }
        }
        if (daemonize && logFile == null) {
            return "Usage: --log-file option must be specified together with --deamonize";
        }
        if (dir != null && !Files.isDirectory(dir)) {
            return "--dir " + dir + " is not a directory: create it or fix the path";
        }
        if (backlog != null && backlog <= 0) {
            return "invalid --backlog " + backlog + ": give a positive number";
        }
        if (startRetries < 0) {
            return "invalid --start-retries " + startRetries + ": give 0 or more";
        }
        if (reloadRetries < 0) {
            return "invalid --reload-retries " + reloadRetries + ": give 0 or more";
        }
        for (String[] numeric : new String[][] {{"--kill-old-delay", killOldDelay}, {"--auto-restart-interval", autoRestartInterval}}) {
            if (numeric[1] != null) {
                try {
                    Durations.parse(numeric[1]);
                } catch (RuntimeException e) {
                    return "invalid " + numeric[0] + ": " + e.getMessage();
                }
            }
        }
        if (maxGenerations != null && maxGenerations != 0 && maxGenerations < GenerationCap.LEAST) {
            return "invalid --max-generations " + maxGenerations + ": give 0 (no cap) or at least " + GenerationCap.LEAST
                    + " (a reload starts the new generation while the old one serves)";
        }
        for (Path p : watch) {
            if (!Files.exists(p)) {
                return "--watch " + p + " does not exist: create it or fix the path";
            }
            if (!Files.isReadable(p)) {
                return "--watch " + p + " is not readable by baton: fix its permissions";
            }
        }
        if (watchDebounce.isZero()) {
            return "invalid --watch-debounce 0: give a duration such as 1s (a burst of changes must settle into one reload)";
        }
        if (control != null && ControlServer.addressProblem(control) != null) {
            return ControlServer.addressProblem(control);
        }
        if (controlTokenFile != null && control == null) {
            return "--control-token-file needs --control=HOST:PORT";
        }
        if (controlTokenFile != null) {
            try {
                if (Files.readString(controlTokenFile).isBlank()) {
                    return "control token file " + controlTokenFile + " is empty: put the token in it";
                }
            } catch (IOException e) {
                return "cannot read control token file " + controlTokenFile + ": " + FileErrors.describe(e)
                        + " (write the token into it, readable by this user)";
            }
        }
        return null;
    }
}
