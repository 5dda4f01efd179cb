package dev.baton.sidecar.supervise;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;

import dev.baton.sidecar.Log;
import dev.baton.sidecar.files.StatusFile;
import dev.baton.sidecar.gate.LiveGenerations;
import dev.baton.sidecar.gate.StartGates;
import dev.baton.sidecar.gate.Verdict;
import dev.baton.sidecar.jvmcache.JvmCache;
import dev.baton.sidecar.listen.Listeners;
import dev.baton.sidecar.notify.NotifyMessage;
import dev.baton.sidecar.notify.SystemdReporter;
import dev.baton.sidecar.posix.Posix;
import dev.baton.sidecar.posix.PosixException;
import dev.baton.sidecar.posix.Signals;
import dev.baton.sidecar.spawn.ExitStatus;
import dev.baton.sidecar.spawn.SpawnException;
import dev.baton.sidecar.watch.ExpectedConfig;

/**
 * The supervisor: owns the worker table and the reloads, and turns every event into the next step.
 * One generation at a time is started by a {@link Reload} (the first start and crash restarts too);
 * requests made meanwhile wait as one queued reload; the supervisor restarts when nothing serves,
 * reloads on its own with --enable-auto-restart, and shuts everything down on TERM or INT.
 *
 * <p>All state lives on one thread, the {@link EventLoop}. Signals, child exits and sd_notify
 * messages (from the {@link WorkerProcesses}), timers and control requests all arrive as tasks on
 * it, and nothing else touches the worker table — so there are no locks, and every decision sees a
 * consistent table.
 */
public final class Supervisor {
    /** A worker told to stop because it was not ready in time gets SIGKILL this long after. */
    static final Duration KILL_NOT_READY_AFTER = Duration.ofSeconds(10);
    /** A worker that served this long before dying was not crash-looping: the backoff starts over. */
    private static final Duration STABLE_AFTER = Duration.ofSeconds(30);
    private static final Duration AUTO_RESTART_TICK = Duration.ofSeconds(1);
    private static final int RECENT_RELOADS = 20;
    private static final String SHUTTING_DOWN = "the supervisor is shutting down";
    /** While a queued reload waits at a start gate, the gates are asked again this often (and whenever a worker exits). */
    private static final Duration GATE_RECHECK = Duration.ofMillis(500);

    private final SupervisorConfig config;
    private final EventLoop loop;
    private final WorkerProcesses processes;
    private final JvmCache jvmCache;
    private final WorkerEnvironment environment;
    private final StatusFile statusFile;
    private final SystemdReporter systemd;
    private final Retries retries;
    private final SupervisorMetrics metrics = new SupervisorMetrics();
    private final GateKeeper gateKeeper;
    private final CountDownLatch exited = new CountDownLatch(1);
    /** Completes when the first worker serves (so "ever served" is {@code isDone()}), or exceptionally when baton gives up first. */
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    /** 0 after TERM/INT; a fatal failure sets it before the shutdown. */
    private volatile int exitCode;

    // ---- state: loop thread only ----
    private final WorkerTable workers = new WorkerTable();
    /** The one reload whose generation is starting or waits to try again; null when none is. */
    private Reload starting;
    /** The next requested reload: every request made while one is starting joins it. */
    private Reload queued;
    /** Reloads whose generation serves, waiting for the older ones to exit. */
    private final List<Reload> draining = new ArrayList<>();
    /** The latest requested reloads, for /status and /reloads/{id}. */
    private final Deque<Reload> recent = new ArrayDeque<>();
    private long nextReloadId = 1;
    private int generation;
    /** Failed starts and crashes since a worker last served for {@link #STABLE_AFTER}: drives the backoff. */
    private int failuresInARow;
    /** When a generation last became ready: --auto-restart-interval counts from here (start_server's $last_restart_time). */
    private long lastReadyNanos;
    /**
     * The next auto-restart check. It runs once a second counted from when the last generation became ready,
     * as start_server's loop does (its {@code alarm(1)} starts over when a new worker is up), so the restart
     * comes {@code --auto-restart-interval} after ready, not up to a second later.
     */
    private EventLoop.Timer autoRestartCheck;
    /** Asks the start gates again while the queued reload waits at one. */
    private EventLoop.Timer gateRecheck;
    /** Said once: auto readiness waits for the agent's READY=1. */
    private boolean saidAgentReadiness;
    private boolean shuttingDown;

    /**
     * The real supervisor: workers spawned on {@code listeners}, its own thread, systemd told if it asked;
     * {@code gates} asked before a reload starts its generation while another one serves.
     *
     * @throws IOException when the --jvm-cache directory cannot be used (one line says why), or a libc call failed
     */
    public Supervisor(SupervisorConfig config, Listeners listeners, Map<String, String> baseEnv, StartGates gates) throws IOException {
        this(config, baseEnv, listeners.serverStarterPort(), new PosixWorkerProcesses(config, listeners), jvmCache(config),
                EventLoop.onThread("baton-loop"), SystemdReporter.fromEnvironment(baseEnv.get("NOTIFY_SOCKET")), gates);
    }

    private static JvmCache jvmCache(SupervisorConfig config) throws IOException {
        if (config.jvmCache().isEmpty()) {
            return JvmCache.OFF;
        }
        return JvmCache.open(config.jvmCache().get(), config.jvmCacheSize(),
                config.directory().orElse(java.nio.file.Path.of("").toAbsolutePath()));
    }

    Supervisor(SupervisorConfig config, Map<String, String> baseEnv, String serverStarterPort, WorkerProcesses processes,
               EventLoop loop, SystemdReporter systemd) {
        this(config, baseEnv, serverStarterPort, processes, JvmCache.OFF, loop, systemd, StartGates.none());
    }

    Supervisor(SupervisorConfig config, Map<String, String> baseEnv, String serverStarterPort, WorkerProcesses processes,
               JvmCache jvmCache, EventLoop loop, SystemdReporter systemd, StartGates gates) {
        this.config = config;
        this.gateKeeper = new GateKeeper(gates, config.configWait(), loop::nanoTime);
        this.loop = loop;
        this.processes = processes;
        this.jvmCache = jvmCache;
        this.environment = new WorkerEnvironment(baseEnv, serverStarterPort);
        this.statusFile = config.statusFile().map(p -> new StatusFile(p, ProcessHandle.current().pid())).orElse(null);
        this.systemd = systemd;
        this.retries = Retries.of(config);
        this.lastReadyNanos = loop.nanoTime();
    }

    // ---------------------------------------------------------------- public, thread-safe

    /** Starts the first worker and blocks until the supervisor has shut down; returns the exit code. */
    public int run() throws InterruptedException {
        begin();
        exited.await();
        return exitCode;
    }

    /** Starts the first worker without waiting; {@link #run()} without the wait. */
    void begin() {
        processes.start(new WorkerProcesses.Events() {
            @Override
            public void exited(int pid, ExitStatus status) {
                onLoop(() -> onChildExit(pid, status));
            }

            @Override
            public void notified(int pid, NotifyMessage message) {
                onLoop(() -> onNotify(pid, message));
            }
        });
        autoRestartCheck = loop.schedule(AUTO_RESTART_TICK, this::autoRestartTick);
        loop.execute(this::startFirstWorker);
    }

    /** Completes when the first worker is ready, or exceptionally when the supervisor gives up before that. */
    public CompletableFuture<Void> started() {
        return started;
    }

    /** The exit code, once the supervisor has shut down. */
    boolean hasExited() {
        return exited.getCount() == 0;
    }

    int exitCode() {
        return exitCode;
    }

    /** A signal delivered to the supervisor (from the JVM's signal thread). */
    public void signal(int signal) {
        onLoop(() -> onSignal(signal));
    }

    /** Requests a reload, as a HUP does; the returned view carries the reload's id. */
    public CompletableFuture<ReloadView> requestReload(String trigger) {
        return requestReload(trigger, List.of(), null);
    }

    /**
     * Requests a reload whose generation starts only once the config under each path hashes as expected
     * (POST /reload's {@code expect}; --watch's changed hash), waiting at most {@code expectTimeout} for
     * that (null: --config-wait).
     */
    public CompletableFuture<ReloadView> requestReload(String trigger, List<ExpectedConfig> expected, Duration expectTimeout) {
        return onLoop(() -> {
            Reload reload = reloadRequested(trigger, expected, expectTimeout);
            return reload == null ? null : reload.view();
        });
    }

    public CompletableFuture<Optional<ReloadView>> reload(long id) {
        return onLoop(() -> recent.stream().filter(r -> r.id == id).findFirst().map(Reload::view)
                .or(() -> Optional.ofNullable(queued).filter(r -> r.id == id).map(Reload::view)));
    }

    public CompletableFuture<SupervisorSnapshot> snapshot() {
        return onLoop(this::takeSnapshot);
    }

    private void onLoop(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            // the supervisor has shut down: nothing is left to tell
        }
    }

    private <T> CompletableFuture<T> onLoop(Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                try {
                    result.complete(task.call());
                } catch (Exception | Error e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("the supervisor has shut down"));
        }
        return result;
    }

    // ---------------------------------------------------------------- events

    private void startFirstWorker() {
        starting = new Reload(this, 0, Reload.Kind.FIRST_START, "start");
        starting.start();
    }

    private void onSignal(int signal) {
        if (signal == Signals.SIGHUP) {
            if (shuttingDown) {
                return;
            }
            Log.info("received HUP, spawning a new worker");
            reloadRequested("signal");
        } else {
            beginShutdown(signal);
        }
    }

    private void onNotify(int pid, NotifyMessage message) {
        Worker w = workers.get(pid);
        if (w == null) {
            return;
        }
        w.spokeNotify = true;
        if (message.status() != null) {
            w.lastStatus = message.status();
        }
        if (w.state == WorkerState.STARTING || (w.state == WorkerState.SERVING && message.warm())) {
            w.reload.notified(w, message);
        }
    }

    private void onChildExit(int pid, ExitStatus status) {
        jvmCache.exited(pid, status); // a worker that trained the cache, or one of the cache's build processes
        Worker w = workers.remove(pid);
        if (w == null) {
            return; // an orphan re-parented to us (we may be PID 1), or the --log-file pipe command
        }
        w.cancelKill();
        processes.reaped(pid);
        if (shuttingDown) {
            exited(w, status).info("worker " + pid + " died, " + status(status));
            writeStatus();
            finishShutdownIfDone();
            return;
        }
        switch (w.state) {
            case STARTING -> w.reload.exitedBeforeReady(w, status);
            case SERVING -> servingDied(w, status);
            case DRAINING -> {
                writeStatus();
                exited(w, status).info("old worker " + pid + " died, " + status(status));
                List.copyOf(draining).forEach(Reload::oldGone);
                nextMayStart();
            }
        }
    }

    private void servingDied(Worker w, ExitStatus status) {
        exited(w, status).info("worker " + w.pid + " died unexpectedly with " + status(status) + ", restarting");
        metrics.workerRestarted();
        if (loop.nanoTime() - w.readyNanos >= STABLE_AFTER.toNanos()) {
            failuresInARow = 0;
        }
        failuresInARow++;
        writeStatus();
        if (starting == null) {
            restart();
        } else if (starting.phase() == Reload.Phase.RETRYING && retries.impatient()) {
            starting.retryNow(); // a failed reload waits for its retry, and now nothing serves: no reason to wait
        }
    }

    // ---------------------------------------------------------------- reloads: requests, the queue, restarts

    private Reload reloadRequested(String trigger) {
        return reloadRequested(trigger, List.of(), null);
    }

    /**
     * A HUP or an API request: start a reload now, or coalesce it into the one queued after the starting
     * generation (or held at a start gate). Its expected configs join that reload's.
     */
    private Reload reloadRequested(String trigger, List<ExpectedConfig> expected, Duration expectTimeout) {
        if (shuttingDown) {
            return null;
        }
        Reload already = startedWith(expected);
        if (already != null) {
            Log.info("generation " + already.generation() + " (reload " + already.id + ") was checked to start with that config:"
                    + " no reload");
            return already;
        }
        if (starting != null && starting.requested() && starting.phase() == Reload.Phase.RETRYING && retries.impatient()) {
            // Someone asks again while a failed reload waits to be retried: the reason to wait (give a
            // broken deploy time) is gone, they may just have fixed it. Retry now, as the same reload.
            Reload r = starting;
            Log.with("reload", r.id).info("reload " + r.id + " was waiting to be retried; retrying it now");
            r.retryNow();
            return r;
        }
        if (queued == null) {
            queued = new Reload(this, nextReloadId++, Reload.Kind.REQUESTED, trigger);
            if (starting != null) {
                Log.info("a new generation is still starting; the reload will follow it (coalesced)");
            }
        }
        Reload reload = queued;
        reload.expect(expected, expectTimeout);
        nextMayStart();
        return reload;
    }

    /**
     * The reload whose generation (the starting one, else the serving one) the config gate checked to start
     * with every one of {@code expected}: a request for them has nothing left to do (the watcher seeing the
     * kubelet's update that an {@code expect} reload waited for). Null when there is none.
     */
    private Reload startedWith(List<ExpectedConfig> expected) {
        Worker serving = workers.serving();
        Reload newest = starting != null ? starting : serving != null ? serving.reload : null;
        return !expected.isEmpty() && newest != null && newest.startedWith().containsAll(expected) ? newest : null;
    }

    /**
     * The one place where a queued reload becomes the starting one: when none is starting, and — while
     * another generation serves — once the start gates let it (GateKeeper: its expected config, the
     * generation cap, the memory budget). A reload they hold back stays queued, coalescing later requests;
     * this runs again after every ready, failed and exited worker, and every {@link #GATE_RECHECK} while
     * it waits. A restart when nothing serves is never held back.
     */
    void nextMayStart() {
        if (shuttingDown || starting != null || queued == null) {
            return;
        }
        if (workers.serving() != null && !passesGates(queued)) {
            return;
        }
        starting = queued;
        queued = null;
        starting.start();
    }

    /** Asks the gates for the queued reload: true to start it; held (asked again later) or refused (failed), false. */
    private boolean passesGates(Reload r) {
        String wasWaitingAt = r.waitingAt;
        Verdict v = gateKeeper.check(r, liveGenerations());
        switch (v.kind()) {
            case OPEN -> {
                if (wasWaitingAt != null) {
                    Log.info("reload " + r.id + " may start its generation now");
                }
                r.admitted();
                return true;
            }
            case WAIT -> {
                if (wasWaitingAt == null) {
                    systemd.reloadHeld(v.reason());
                }
                if (!r.waitingAt.equals(wasWaitingAt)) { // once per gate: its numbers change at every look
                    Log.info("reload " + r.id + " waits: " + v.reason());
                }
                r.held(v.reason());
                if (gateRecheck == null) {
                    gateRecheck = loop.schedule(GATE_RECHECK, () -> {
                        gateRecheck = null;
                        nextMayStart();
                    });
                }
                return false;
            }
            default -> {
                queued = null;
                r.refused(v.reason());
                if (wasWaitingAt == null) {
                    systemd.reloadHeld(v.reason());
                }
                systemd.reloadFailed(workers.serving().generation);
                return false;
            }
        }
    }

    /** What the gates see: the next generation's number, the serving worker, the older ones still alive. */
    private LiveGenerations liveGenerations() {
        Worker serving = workers.serving();
        List<LiveGenerations.Generation> older = serving == null ? List.of() : workers.olderThan(serving.generation).stream()
                .sorted(java.util.Comparator.comparingInt((Worker w) -> w.generation))
                .map(w -> new LiveGenerations.Generation(w.generation, w.pid)).toList();
        return new LiveGenerations(generation + 1,
                serving == null ? null : new LiveGenerations.Generation(serving.generation, serving.pid), older);
    }

    /**
     * Nothing serves: start a generation again, at once or after the crash loop's backoff; a queued reload, if
     * any, is that generation — unless it waits for a config to be mounted: started now it would report the old
     * config as the new one, so it keeps waiting and follows the restart.
     */
    private void restart() {
        if (shuttingDown) {
            return;
        }
        Duration delay = retries.beforeRestart(failuresInARow);
        if (delay.isZero() && queued != null && queued.expected().isEmpty()) {
            nextMayStart();
            return;
        }
        starting = new Reload(this, 0, Reload.Kind.RESTART, "restart");
        starting.startIn(delay);
    }

    // ---------------------------------------------------------------- what a reload asks of the supervisor

    /**
     * A reload's next attempt is due. Under Baton's rules a restart gives way to a reload requested
     * meanwhile: that one's generation starts instead (start_server starts the reload after it).
     */
    void attemptDue(Reload r) {
        if (!r.requested() && queued != null && queued.expected().isEmpty() && retries.impatient()) {
            r.abandon("superseded by reload " + queued.id);
            starting = null;
            nextMayStart();
            return;
        }
        r.retryNow();
    }

    /** Counts every attempt, failed ones too, as start_server does. */
    int nextGeneration() {
        return ++generation;
    }

    void reloadStarting(Reload r) {
        systemd.reloading(r.generation());
        remember(r);
    }

    /** Spawns generation {@code gen} for {@code r}, its environment read anew. */
    Worker spawn(Reload r, int gen) throws CannotSpawn {
        Map<String, String> env;
        JvmCache.Launch launch = null;
        int pid;
        try {
            env = environment.forGeneration(gen);
            launch = jvmCache.launch(gen, config.command(), env);
            pid = processes.spawn(gen, launch.command(), env);
        } catch (SpawnException | IOException e) {
            if (launch != null) {
                launch.notStarted();
            }
            if (everServed()) {
                Log.error(e.getMessage()); // at first start, giving up says it (once), as the reason
            }
            throw new CannotSpawn(e.getMessage());
        }
        launch.started(pid);
        boolean runsAgent = config.readiness() == Readiness.AUTO && Readiness.runsBatonAgent(config.command(), env);
        Worker w = new Worker(gen, pid, r, runsAgent, launch, loop.nanoTime(), loop.now());
        workers.add(w);
        Log.worker(gen, pid).info("starting new worker " + pid);
        if (runsAgent && !saidAgentReadiness) {
            saidAgentReadiness = true;
            Log.worker(gen, pid).info("the worker runs the Baton agent: each generation is ready at its READY=1 (--readiness auto),"
                    + " not after --interval (up to --ready-timeout " + human(config.readyTimeout()) + ")");
        }
        return w;
    }

    /** {@code w}, started by {@code r}, is ready: from now on it serves. */
    void serving(Reload r, Worker w, String how) {
        w.readyNanos = loop.nanoTime();
        lastReadyNanos = w.readyNanos;
        if (autoRestartCheck != null) {
            autoRestartCheck.cancel();
        }
        autoRestartCheck = loop.schedule(AUTO_RESTART_TICK, this::autoRestartTick);
        starting = null;
        workers.serve(w);
        writeStatus(); // before the log line: whoever reads "is ready" finds the status file already current
        Log.worker(w.generation, w.pid).info("new worker " + w.pid + " (generation " + w.generation + ") is ready (" + how + " after "
                + (w.readyNanos - w.spawnedNanos) / 1_000_000 + " ms)");
        boolean first = !everServed();
        if (first) {
            started.complete(null);
        }
        systemd.serving(w.generation, first, ProcessHandle.current().pid());
        draining.add(r);
        w.launch.ready();
    }

    Duration killOldDelay() {
        return environment.killOldDelay();
    }

    /** Sends signal-on-hup to every older generation — again to those already told, as start_server does. */
    void retire(List<Worker> old) {
        if (old.isEmpty() || shuttingDown) {
            return;
        }
        Log.info("killing old workers");
        for (Worker o : old) {
            o.state = WorkerState.DRAINING;
            stop(o, config.signalOnHup(), config.drainTimeout().orElse(null));
        }
    }

    void generationFailed() {
        failuresInARow++;
    }

    /** Whether a worker of {@code w}'s reload that exited before it was ready is started again at once, without the JVM cache. */
    boolean startAgainWithoutJvmCache(Worker w, ExitStatus status) {
        return !shuttingDown && w.launch.startAgainWithoutCache(status);
    }

    Retries.Situation situation() {
        return new Retries.Situation(workers.serving() != null, queued != null, everServed(), failuresInARow);
    }

    /** {@code r} gave up: the serving generation goes on, or nothing serves and baton starts again (or exits, at first start). */
    void gaveUp(Reload r, String why) {
        starting = null;
        Worker serving = workers.serving();
        if (serving != null) {
            systemd.reloadFailed(serving.generation);
            nextMayStart();
            return;
        }
        if (retries.startGivesUp(everServed(), failuresInARow)) {
            Log.error("the worker failed to start: " + why + ". Fix the worker command (its output is above) and start again"
                    + (config.startRetries() == 0 ? " (--start-retries lets a first start be retried)" : ""));
            fatal(1);
            return;
        }
        restart();
    }

    /** {@code r} succeeded or failed. */
    void finished(Reload r) {
        draining.remove(r);
        if (r.requested()) {
            remember(r);
            metrics.reloadFinished(r.phase() == Reload.Phase.SUCCEEDED, r.seconds());
        }
    }

    private void remember(Reload r) {
        if (!recent.contains(r)) {
            recent.addLast(r);
            while (recent.size() > RECENT_RELOADS) {
                recent.removeFirst();
            }
        }
    }

    /** Sends {@code signal}; when {@code killAfter} is set, SIGKILL follows if the worker is still alive then. */
    void stop(Worker w, int signal, Duration killAfter) {
        int errno = processes.signal(w.pid, signal);
        if (errno != 0 && errno != Posix.ESRCH) {
            Log.worker(w.generation, w.pid).warn("cannot send " + Signals.name(signal) + " to worker " + w.pid + ": " + Posix.describe(errno));
        }
        if (killAfter == null) {
            return;
        }
        // The first signal starts the clock. Each new generation signals every old worker again (as
        // start_server does); restarting the clock then would let a worker that ignores the signal outlive
        // every deadline while HUPs come faster than --drain-timeout. Only a shorter deadline replaces it.
        long killAt = loop.nanoTime() + killAfter.toNanos();
        if (w.kill != null && w.killAtNanos <= killAt) {
            return;
        }
        w.cancelKill();
        w.killAtNanos = killAt;
        w.kill = loop.schedule(killAfter, () -> {
            w.kill = null;
            if (workers.get(w.pid) == w) {
                Log.worker(w.generation, w.pid).warn("worker " + w.pid + " (generation " + w.generation + ") still running " + human(killAfter)
                        + " after " + Signals.name(signal) + "; sending KILL (--drain-timeout)");
                processes.signal(w.pid, Signals.SIGKILL);
            }
        });
    }

    /**
     * start_server's "status:36608" (a raw wait status: scripts parse it), and for people what it means,
     * "status:36608 = exit code 143 (TERM)"; under --compat=start_server the line stays Perl's.
     */
    String status(ExitStatus status) {
        return "status:" + status.raw() + (config.compat() == Compat.START_SERVER ? "" : " = " + status.describe());
    }

    /** A log event about {@code w}'s exit: JSON lines carry the raw status and the exit code or signal. */
    static Log.Event exited(Worker w, ExitStatus status) {
        return Log.worker(w.generation, w.pid).with("status", status.raw())
                .with(status.exited() ? "exitCode" : "signal", status.exited() ? (Object) status.exitCode() : Signals.name(status.signal()));
    }

    SupervisorConfig config() {
        return config;
    }

    EventLoop loop() {
        return loop;
    }

    WorkerTable workers() {
        return workers;
    }

    Retries retries() {
        return retries;
    }

    SystemdReporter systemd() {
        return systemd;
    }

    SupervisorMetrics metrics() {
        return metrics;
    }

    private boolean everServed() {
        return started.isDone();
    }

    /** A generation could not be spawned; the message names the command and the reason. */
    static final class CannotSpawn extends Exception {
        CannotSpawn(String message) {
            super(message);
        }
    }

    // ---------------------------------------------------------------- auto restart (start_server's --enable-auto-restart)

    private void autoRestartTick() {
        if (shuttingDown) {
            return;
        }
        autoRestartCheck = loop.schedule(AUTO_RESTART_TICK, this::autoRestartTick);
        Worker serving = workers.serving();
        if (serving == null || starting != null) {
            return;
        }
        environment.refresh(); // start_server re-reads the envdir on every turn of its loop: it may switch this on
        if (!environment.autoRestart()) {
            return;
        }
        long interval = environment.autoRestartInterval();
        long elapsed = (loop.nanoTime() - lastReadyNanos) / 1_000_000_000L;
        boolean oldRunning = !workers.olderThan(serving.generation).isEmpty();
        if (elapsed >= interval && !oldRunning) {
            Log.info("autorestart triggered (interval=" + interval + ")");
            reloadRequested("auto-restart");
        } else if (elapsed >= interval * 2) {
            Log.info("autorestart triggered (forced, interval=" + interval + ")");
            reloadRequested("auto-restart");
        }
    }

    // ---------------------------------------------------------------- shutdown

    private void beginShutdown(int signal) {
        if (shuttingDown) {
            Log.info("received " + Signals.name(signal) + " again; still waiting for workers: " + WorkerTable.pids(workers.all()));
            return;
        }
        shuttingDown = true;
        systemd.stopping();
        int toWorkers = signal == Signals.SIGTERM ? config.signalOnTerm() : Signals.SIGTERM;
        if (starting != null) {
            starting.abandon(SHUTTING_DOWN);
            starting = null;
        }
        if (queued != null) {
            queued.abandon(SHUTTING_DOWN);
            queued = null;
        }
        if (gateRecheck != null) {
            gateRecheck.cancel();
            gateRecheck = null;
        }
        List.copyOf(draining).forEach(r -> r.abandon(SHUTTING_DOWN));
        Log.info("received " + Signals.name(signal) + ", sending " + Signals.name(toWorkers) + " to all workers:"
                + WorkerTable.pids(workers.all()));
        for (Worker w : workers.all()) {
            w.cancelKill();
            w.state = WorkerState.DRAINING;
            stop(w, toWorkers, config.drainTimeout().orElse(null));
        }
        finishShutdownIfDone();
    }

    private void finishShutdownIfDone() {
        if (shuttingDown && workers.isEmpty()) {
            Log.info("exiting");
            exit();
        }
    }

    private void fatal(int code) {
        shuttingDown = true;
        exitCode = code;
        for (Worker w : workers.all()) {
            stop(w, Signals.SIGTERM, KILL_NOT_READY_AFTER);
        }
        if (!started.isDone()) {
            started.completeExceptionally(new IllegalStateException("the worker failed to start"));
        }
        finishShutdownIfDone(); // or once the last worker is reaped
    }

    private void exit() {
        if (exited.getCount() == 0) {
            return;
        }
        if (statusFile != null) {
            statusFile.remove();
        }
        processes.close();
        jvmCache.close();
        if (!started.isDone()) {
            started.completeExceptionally(new IllegalStateException("the supervisor stopped before a worker was ready"));
        }
        exited.countDown();
        loop.shutdown();
    }

    // ---------------------------------------------------------------- helpers

    private void writeStatus() {
        if (statusFile == null) {
            return;
        }
        try {
            statusFile.write(workers.statusLines());
        } catch (IOException e) {
            Log.warn("cannot write status file " + statusFile.path() + ": " + e.getMessage());
        }
    }

    private SupervisorSnapshot takeSnapshot() {
        List<ReloadView> reloads = new ArrayList<>();
        recent.forEach(r -> reloads.add(r.view()));
        if (queued != null) {
            reloads.add(queued.view());
        }
        Worker serving = workers.serving();
        boolean crashLoop = failuresInARow >= 3 && (serving == null || (starting != null && starting.phase() == Reload.Phase.STARTING));
        return new SupervisorSnapshot((int) ProcessHandle.current().pid(), generation, shuttingDown, crashLoop, workers.views(),
                reloads, metrics.reloadsByResult(), metrics.workerRestarts(), config.reloadRetries(), metrics.reloadRetries(),
                metrics.reloadDuration(), new GateSnapshot(gateKeeper.maxGenerations(),
                queued != null && queued.phase() == Reload.Phase.WAITING, gateKeeper.waits(), gateKeeper.refusals(),
                gateKeeper.memory(liveGenerations())));
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }

    /** Seconds as start_server prints them: "5", "0.5". */
    static String seconds(Duration d) {
        return java.math.BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString();
    }
}
