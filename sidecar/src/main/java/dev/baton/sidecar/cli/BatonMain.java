package dev.baton.sidecar.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.baton.sidecar.Log;
import dev.baton.sidecar.control.ControlServer;
import dev.baton.sidecar.files.EnvDir;
import dev.baton.sidecar.files.PidFile;
import dev.baton.sidecar.gate.GenerationCap;
import dev.baton.sidecar.gate.StartGate;
import dev.baton.sidecar.gate.StartGates;
import dev.baton.sidecar.gate.WaitBound;
import dev.baton.sidecar.listen.ListenException;
import dev.baton.sidecar.listen.ListenSpec;
import dev.baton.sidecar.listen.Listeners;
import dev.baton.sidecar.memory.CgroupMemory;
import dev.baton.sidecar.memory.MemoryGate;
import dev.baton.sidecar.memory.ProcessMemory;
import dev.baton.sidecar.posix.LibC;
import dev.baton.sidecar.posix.Posix;
import dev.baton.sidecar.posix.PosixException;
import dev.baton.sidecar.posix.Signals;
import dev.baton.sidecar.spawn.SpawnException;
import dev.baton.sidecar.spawn.Spawner;
import dev.baton.sidecar.supervise.OrphanedWorkers;
import dev.baton.sidecar.supervise.Supervisor;
import dev.baton.sidecar.watch.ConfigHash;
import dev.baton.sidecar.watch.ConfigWatcher;
import dev.baton.sidecar.watch.ExpectedConfig;
import jnr.ffi.Pointer;

/**
 * Setting up and tearing down a supervisor, in the order start_server does it: check the options,
 * open the log, listen, write the pid file, redirect output, then supervise until told to stop.
 * Anything that fails before the first worker runs is reported in one line, and whatever was
 * already created (sockets, socket files, pid file) is removed again.
 */
final class BatonMain {
    /** Set in the re-executed background process of --daemonize: the fd to report start-up on. */
    private static final String DAEMON_STATUS_FD = "BATON_DAEMON_STATUS_FD";

    private final BatonCommand options;

    BatonMain(BatonCommand options) {
        this.options = options;
    }

    int run() throws InterruptedException {
        String problem = options.validate();
        if (problem != null) {
            Log.error(problem);
            return 2;
        }
        List<ListenSpec> specs = new ArrayList<>(options.ports); // TCP and UDP first, then Unix paths, as start_server
        specs.addAll(options.paths);
        Map<String, String> baseEnv = new HashMap<>(System.getenv());
        baseEnv.remove(DAEMON_STATUS_FD);
        baseEnv.putAll(options.exportedOptions());
        String envDir = baseEnv.get("ENVDIR");
        if (envDir != null && !envDir.isEmpty()) {
            try {
                EnvDir.read(Path.of(envDir));
            } catch (IOException e) {
                Log.error(e.getMessage());
                return 1;
            }
        }
        if (options.daemonize && System.getenv(DAEMON_STATUS_FD) == null) {
            return daemonize();
        }

        int logFd;
        try {
            logFd = openLog();
        } catch (IOException e) {
            Log.error(e.getMessage());
            return 1;
        }

        Log.info("start_server (pid:" + Posix.libc().getpid() + ") starting now...");
        warnOfAMissingEnvDir(envDir);
        PidFile pidFile = null;
        if (options.pidFile != null) {
            try {
                pidFile = PidFile.acquire(options.pidFile.toAbsolutePath(), Posix.libc().getpid());
            } catch (IOException e) {
                Log.error(e.getMessage());
                return 1;
            }
            // We hold the lock, so whoever wrote the status file is dead; its workers may not be.
            if (options.statusFile != null) {
                OrphanedWorkers.retire(options.statusFile, options.drainTimeout().orElse(Duration.ofSeconds(30)));
            }
        }
        Listeners listeners;
        try {
            listeners = Listeners.open(specs, options.backlog != null ? options.backlog : somaxconn());
        } catch (ListenException e) {
            Log.error(e.getMessage());
            if (pidFile != null) {
                pidFile.close();
            }
            return 1;
        }
        for (var l : listeners.all()) {
            if (l.spec().fixedFd().isPresent()) {
                Log.info("socket is duplicated to file descriptor " + l.workerFd());
            }
        }

        ControlServer control = null;
        ConfigWatcher watcher = null;
        Path runtimeDir = null;
        try {
            runtimeDir = createRuntimeDirectory();
            options.runtimeDirectory = runtimeDir;
            Supervisor supervisor = new Supervisor(options, listeners, baseEnv, startGates());
            if (options.control != null) {
                control = ControlServer.start(options.control, options.controlTokenFile, supervisor);
            }
            watcher = watch(supervisor);
            redirectOutput(logFd);
            installSignalHandlers(supervisor);
            reportDaemonStart(supervisor);
            return supervisor.run();
        } catch (IOException | IllegalArgumentException e) {
            Log.error(e.getMessage());
            return 1;
        } finally {
            if (watcher != null) {
                watcher.close();
            }
            if (control != null) {
                control.close();
            }
            listeners.close();
            if (pidFile != null) {
                pidFile.close();
            }
            deleteRecursively(runtimeDir);
        }
    }

    /**
     * What a reload passes before its generation starts: --max-generations, then the memory budget of
     * this process's memory cgroup (the container's), when it has one.
     */
    private StartGates startGates() {
        List<StartGate> gates = new ArrayList<>();
        WaitBound roomWait = new WaitBound(options.roomWait, "--room-wait");
        gates.add(new GenerationCap(options.maxGenerations(), roomWait));
        CgroupMemory.ofThisProcess().ifPresent(cgroup -> {
            MemoryGate memory = new MemoryGate(cgroup, new ProcessMemory(), options.memoryMargin, options.generationMemory,
                    roomWait);
            memory.describe().ifPresent(Log::info);
            gates.add(memory);
        });
        return new StartGates(gates);
    }

    /** --watch: a reload whenever the config under one of the paths has changed (once per burst). */
    private ConfigWatcher watch(Supervisor supervisor) throws IOException {
        if (options.watch.isEmpty()) {
            return null;
        }
        ConfigWatcher watcher = ConfigWatcher.start(options.watch, options.watchDebounce, changes -> {
            for (ConfigWatcher.Change c : changes) {
                Log.info("config changed under " + c.path() + " (" + ConfigHash.brief(c.sha256()) + ")");
            }
            // The hash it saw is what the new generation must start with (checked again just before it
            // starts): a request that joins a reload waiting for that config, or finds it started already,
            // makes no second reload.
            supervisor.requestReload("watch", changes.stream().map(c -> new ExpectedConfig(c.path(), c.sha256())).toList(), null);
        });
        watcher.hashes().forEach((path, hash) -> Log.info("--watch: watching " + path + " (" + ConfigHash.brief(hash) + ")"));
        return watcher;
    }

    /**
     * start_server ignores an envdir that is not there, silently, and so does baton (it may appear
     * later: it is read again before every spawn); but a mistyped path would never give the workers
     * their settings, so say it once.
     */
    private void warnOfAMissingEnvDir(String envDir) {
        if (envDir == null || envDir.isEmpty() || Files.isDirectory(Path.of(envDir))) {
            return;
        }
        String source = options.envdir != null ? "--envdir " : "ENVDIR ";
        String what = Files.exists(Path.of(envDir)) ? " is not a directory" : " does not exist";
        Log.warn(source + envDir + what + ": the workers get no variables from it until it does (create it, or fix the path)");
    }

    /** start_server's default backlog is SOMAXCONN; the kernel's current value is the meaningful one. */
    private static int somaxconn() {
        // Files.readString trusts procfs's zero file size and returns a single byte ("4" of "4096"): read the line.
        try (var reader = Files.newBufferedReader(Path.of("/proc/sys/net/core/somaxconn"))) {
            return Integer.parseInt(reader.readLine().trim());
        } catch (IOException | NumberFormatException e) {
            return 4096;
        }
    }

    /**
     * Opens {@code --log-file} before anything else, like start_server, so a bad path fails fast.
     * Returns the fd to redirect stdout and stderr to, or -1 without a log file.
     */
    private int openLog() throws IOException {
        String target = options.logFile;
        if (target == null) {
            return -1;
        }
        LibC c = Posix.libc();
        String trimmed = target.stripLeading();
        if (trimmed.startsWith("|")) {
            String command = trimmed.substring(1).strip();
            int[] pipe = new int[2];
            Posix.check(c.pipe2(pipe, Posix.O_CLOEXEC), "pipe2");
            try {
                Spawner.spawn(new Spawner.SpawnSpec(logCommand(command), System.getenv(),
                        List.of(new Spawner.FdMapping(pipe[0], 0)), null, false));
            } catch (SpawnException e) {
                c.close(pipe[1]);
                List<String> argv = logCommand(command);
                throw new IOException("failed to open pipe:" + target + ": "
                        + (e.errno() != 0 ? "cannot execute '" + argv.get(0) + "': " + Posix.describe(e.errno()) : e.getMessage())
                        + " (check the --log-file command and its PATH)", e);
            } finally {
                c.close(pipe[0]);
            }
            return pipe[1];
        }
        int fd = c.open(target, Posix.O_WRONLY | Posix.O_CREAT | Posix.O_APPEND | Posix.O_CLOEXEC, 0644);
        if (fd < 0) {
            throw new IOException("failed to open log file:" + target + ": " + Posix.describe(Posix.errno())
                    + " (check that the directory exists and is writable)");
        }
        return fd;
    }

    /** Characters that make Perl run a piped command through /bin/sh (its doio.c); without them it execs the words itself. */
    private static final java.util.regex.Pattern SHELL_METACHARACTERS = java.util.regex.Pattern.compile("[$&*(){}\\[\\]'\";\\\\|?<>~`\n=]");

    /**
     * The argv of a {@code --log-file '| command'}, as Perl's {@code open '|-'} runs it: through the
     * shell only when it needs one, so a command that does not exist fails here, with one line, and
     * not later in a shell whose death would swallow every line baton writes after it.
     */
    static List<String> logCommand(String command) {
        if (SHELL_METACHARACTERS.matcher(command).find()) {
            return List.of("/bin/sh", "-c", command);
        }
        return List.of(command.trim().split("\\s+"));
    }

    private static void redirectOutput(int logFd) throws PosixException {
        if (logFd < 0) {
            return;
        }
        System.out.flush();
        System.err.flush();
        Posix.check(Posix.libc().dup2(logFd, 1), "dup2(log, stdout)");
        Posix.check(Posix.libc().dup2(logFd, 2), "dup2(log, stderr)");
        Posix.libc().close(logFd);
    }

    @SuppressWarnings("restriction")
    private static void installSignalHandlers(Supervisor supervisor) {
        for (String name : List.of("HUP", "TERM", "INT")) {
            int number = Signals.number(name);
            // Under nohup SIGHUP is ignored, and the JVM then refuses to handle it: reset it first.
            Posix.libc().signal(number, null);
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> supervisor.signal(s.getNumber()));
        }
    }

    private static Path createRuntimeDirectory() throws IOException {
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        Path base = xdg != null && Files.isDirectory(Path.of(xdg)) && Files.isWritable(Path.of(xdg))
                ? Path.of(xdg) : Path.of(System.getProperty("java.io.tmpdir"));
        return Files.createTempDirectory(base, "baton-" + ProcessHandle.current().pid() + "-"); // mode 0700
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: it lives in a temporary directory
        }
    }

    // ---------------------------------------------------------------- --daemonize

    /**
     * A JVM cannot fork, so --daemonize starts this same command line again in a new session, with
     * stdin on /dev/null, and waits until that background copy reports its first worker ready (or
     * fails: then its error, already printed on our shared stderr, makes this exit non-zero).
     */
    private int daemonize() {
        LibC c = Posix.libc();
        int[] pipe = new int[2];
        try {
            Posix.check(c.pipe2(pipe, Posix.O_CLOEXEC), "pipe2");
            List<String> argv = ownCommandLine();
            Map<String, String> env = new HashMap<>(System.getenv());
            env.put(DAEMON_STATUS_FD, "3");
            int devNull = Posix.check(c.open("/dev/null", Posix.O_RDONLY | Posix.O_CLOEXEC, 0), "open /dev/null");
            Spawner.spawn(new Spawner.SpawnSpec(argv, env,
                    List.of(new Spawner.FdMapping(devNull, 0), new Spawner.FdMapping(1, 1), new Spawner.FdMapping(2, 2),
                            new Spawner.FdMapping(pipe[1], 3)), null, true));
            c.close(devNull);
            c.close(pipe[1]);
            Pointer buffer = Posix.allocate(16);
            long n = c.read(pipe[0], buffer, 16);
            c.close(pipe[0]);
            return n > 0 && buffer.getByte(0) == 'o' ? 0 : 1;
        } catch (IOException | SpawnException e) {
            Log.error("cannot daemonize: " + e.getMessage());
            return 1;
        }
    }

    private static List<String> ownCommandLine() throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        List<String> argv = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                argv.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return argv;
    }

    /** In the background copy of --daemonize: tell the waiting foreground process how start-up went. */
    private static void reportDaemonStart(Supervisor supervisor) {
        String fdText = System.getenv(DAEMON_STATUS_FD);
        if (fdText == null) {
            return;
        }
        int fd = Integer.parseInt(fdText);
        try {
            Posix.setCloseOnExec(fd, true);
        } catch (PosixException e) {
            return;
        }
        supervisor.started().whenComplete((ok, failure) -> {
            if (failure == null) {
                Pointer ok1 = Posix.cString("ok\n");
                Posix.libc().write(fd, ok1, 3);
            }
            Posix.libc().close(fd);
        });
    }
}
