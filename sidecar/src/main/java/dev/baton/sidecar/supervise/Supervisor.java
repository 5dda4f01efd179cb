package dev.baton.sidecar.supervise;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

import dev.baton.sidecar.Log;
import dev.baton.sidecar.files.StatusFile;
import dev.baton.sidecar.gate.LiveGenerations;
import dev.baton.sidecar.gate.StartGates;
import dev.baton.sidecar.jvmcache.JvmCache;
import dev.baton.sidecar.listen.Listeners;
import dev.baton.sidecar.notify.NotifyMessage;
import dev.baton.sidecar.notify.SystemdReporter;
import dev.baton.sidecar.posix.Signals;
import dev.baton.sidecar.spawn.ExitStatus;
import dev.baton.sidecar.watch.ExpectedConfig;

/**
 * The supervisor: the event loop's dispatcher and the one owner of its state. It turns every event (a
 * signal, a child's exit, an sd_notify message, a timer, a control request) into the next step, and
 * keeps the worker table. One generation at a time is started by a {@link Reload} (the first start and
 * crash restarts too); the policies around it are each their own object, owned here: the
 * {@link ReloadQueue} (requests made meanwhile wait as one queued reload), the start gates
 * ({@link GateKeeper}), the crash loop's {@link CrashBackoff}, {@link AutoRestart}, and the
 * {@link Shutdown} on TERM or INT.
 *
 * <p>All state lives on one thread, the {@link EventLoop}. Signals, child exits and sd_notify
 * messages (from the {@link WorkerProcesses}), timers and control requests all arrive as tasks on
 * it, and nothing else touches the worker table — so there are no locks, and every decision sees a
 * consistent table.
 */
public final class Supervisor {
    /** A worker told to stop because it was not ready in time gets SIGKILL this long after. */
    static final Duration KILL_NOT_READY_AFTER = Duration.ofSeconds(10);

    private final SupervisorConfig config;
    private final EventLoop loop;
    private final WorkerProcesses processes;
    private final JvmCache jvmCache;
    private final WorkerEnvironment environment;
    private final StatusFile statusFile;
    private final SystemdReporter systemd;
    private final Retries retries;
    private final SupervisorMetrics metrics = new SupervisorMetrics();
    /** Completes when the first worker serves (so "ever served" is {@code isDone()}), or exceptionally when baton gives up first. */
    private final CompletableFuture<Void> started = new CompletableFuture<>();

    // ---- state: loop thread only ----
    private final WorkerTable workers = new WorkerTable();
    private final ReloadQueue reloads = new ReloadQueue();
    private final WorkerLauncher launcher;
    private final StopSignals stops;
    private final GateKeeper gateKeeper;
    private final CrashBackoff crashes;
    private final AutoRestart autoRestart;
    private final Shutdown shutdown;

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
        this.loop = loop;
        this.processes = processes;
        this.jvmCache = jvmCache;
        this.environment = new WorkerEnvironment(baseEnv, serverStarterPort);
        this.statusFile = config.statusFile().map(p -> new StatusFile(p, ProcessHandle.current().pid())).orElse(null);
        this.systemd = systemd;
        this.retries = Retries.of(config);
        this.launcher = new WorkerLauncher(config, environment, jvmCache, processes, loop);
        this.stops = new StopSignals(loop, processes, workers);
        this.gateKeeper = new GateKeeper(gates, config.configWait(), loop, systemd);
        this.crashes = new CrashBackoff(retries);
        this.autoRestart = new AutoRestart(loop, environment, workers, () -> reloads.starting() != null,
                () -> reloadRequested("auto-restart"));
        this.shutdown = new Shutdown(config.signalOnTerm(), config.drainTimeout().orElse(null), systemd, workers, started,
                new Shutdown.Steps() {
                    @Override
                    public void stopStarting() {
                        autoRestart.stop();
                        gateKeeper.stopRechecking();
                    }

                    @Override
                    public void abandonReloads(String why) {
                        reloads.pending().forEach(r -> r.abandon(why));
                    }

                    @Override
                    public void stop(Worker w, int signal, Duration killAfter) {
                        stops.send(w, signal, killAfter);
                    }

                    @Override
                    public void close() {
                        if (statusFile != null) {
                            statusFile.remove();
                        }
                        processes.close();
                        jvmCache.close();
                    }
                }, loop);
    }

    // ---------------------------------------------------------------- public, thread-safe

    /** Starts the first worker and blocks until the supervisor has shut down; returns the exit code. */
    public int run() throws InterruptedException {
        begin();
        return shutdown.await();
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
        autoRestart.begin();
        loop.execute(this::startFirstWorker);
    }

    /** Completes when the first worker is ready, or exceptionally when the supervisor gives up before that. */
    public CompletableFuture<Void> started() {
        return started;
    }

    /** The exit code, once the supervisor has shut down. */
    boolean hasExited() {
        return shutdown.exited();
    }

    int exitCode() {
        return shutdown.exitCode();
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
        return onLoop(() -> reloads.find(id).map(Reload::view));
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
        Reload first = new Reload(this, 0, Reload.Kind.FIRST_START, "start");
        reloads.start(first);
        first.start();
    }

    private void onSignal(int signal) {
        if (signal != Signals.SIGHUP) {
            shutdown.signalled(signal);
        } else if (!shutdown.underway()) {
            Log.info("received HUP, spawning a new worker");
            reloadRequested("signal");
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
        if (shutdown.underway()) {
            exited(w, status).info("worker " + pid + " died, " + status(status));
            writeStatus();
            shutdown.workerGone();
            return;
        }
        switch (w.state) {
            case STARTING -> w.reload.exitedBeforeReady(w, status);
            case SERVING -> servingDied(w, status);
            case DRAINING -> {
                writeStatus();
                exited(w, status).info("old worker " + pid + " died, " + status(status));
                reloads.draining().forEach(Reload::oldGone);
                nextMayStart();
            }
        }
    }

    private void servingDied(Worker w, ExitStatus status) {
        exited(w, status).info("worker " + w.pid + " died unexpectedly with " + status(status) + ", restarting");
        metrics.workerRestarted();
        crashes.servingDied(loop.nanoTime() - w.readyNanos);
        writeStatus();
        Reload starting = reloads.starting();
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
        if (shutdown.underway()) {
            return null;
        }
        Reload already = startedWith(expected);
        if (already != null) {
            Log.info("generation " + already.generation() + " (reload " + already.id + ") was checked to start with that config:"
                    + " no reload");
            return already;
        }
        Reload starting = reloads.starting();
        if (starting != null && starting.requested() && starting.phase() == Reload.Phase.RETRYING && retries.impatient()) {
            // Someone asks again while a failed reload waits to be retried: the reason to wait (give a
            // broken deploy time) is gone, they may just have fixed it. Retry now, as the same reload.
            Log.with("reload", starting.id).info("reload " + starting.id + " was waiting to be retried; retrying it now");
            starting.retryNow();
            return starting;
        }
        if (reloads.queued() == null && starting != null) {
            Log.info("a new generation is still starting; the reload will follow it (coalesced)");
        }
        Reload reload = reloads.join(id -> new Reload(this, id, Reload.Kind.REQUESTED, trigger));
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
        Reload newest = reloads.starting() != null ? reloads.starting() : serving != null ? serving.reload : null;
        return !expected.isEmpty() && newest != null && newest.startedWith().containsAll(expected) ? newest : null;
    }

    /**
     * The one place where a queued reload becomes the starting one: when none is starting, and — while
     * another generation serves — once the start gates let it (GateKeeper: its expected config, the
     * generation cap, the memory budget). A reload they hold back stays queued, coalescing later requests;
     * this runs again after every ready, failed and exited worker, and every {@link GateKeeper#RECHECK} while
     * it waits. A restart when nothing serves is never held back.
     */
    void nextMayStart() {
        Reload next = reloads.next();
        if (shutdown.underway() || next == null) {
            return;
        }
        if (workers.serving() != null && !gateKeeper.admits(next, liveGenerations(), this::nextMayStart)) {
            return;
        }
        reloads.promote().start();
    }

    /** What the gates see: the next generation's number, the serving worker, the older ones still alive. */
    private LiveGenerations liveGenerations() {
        return workers.live(reloads.generation() + 1);
    }

    /**
     * Nothing serves: start a generation again, at once or after the crash loop's backoff; a queued reload, if
     * any, is that generation — unless it waits for a config to be mounted: started now it would report the old
     * config as the new one, so it keeps waiting and follows the restart.
     */
    private void restart() {
        if (shutdown.underway()) {
            return;
        }
        Duration delay = crashes.beforeRestart();
        Reload queued = reloads.queued();
        if (delay.isZero() && queued != null && queued.expected().isEmpty()) {
            nextMayStart();
            return;
        }
        Reload restart = new Reload(this, 0, Reload.Kind.RESTART, "restart");
        reloads.start(restart);
        restart.startIn(delay);
    }

    // ---------------------------------------------------------------- what a reload asks of the supervisor

    /**
     * A reload's next attempt is due. Under Baton's rules a restart gives way to a reload requested
     * meanwhile: that one's generation starts instead (start_server starts the reload after it).
     */
    void attemptDue(Reload r) {
        Reload queued = reloads.queued();
        if (!r.requested() && queued != null && queued.expected().isEmpty() && retries.impatient()) {
            r.abandon("superseded by reload " + queued.id); // it leaves the queue: none is starting now
            nextMayStart();
            return;
        }
        r.retryNow();
    }

    /** Counts every attempt, failed ones too, as start_server does. */
    int nextGeneration() {
        return reloads.nextGeneration();
    }

    void reloadStarting(Reload r) {
        systemd.reloading(r.generation());
        reloads.remember(r);
    }

    /** Spawns generation {@code gen} for {@code r}, its environment read anew; it joins the worker table. */
    Worker spawn(Reload r, int gen) throws WorkerLauncher.CannotSpawn {
        Worker w = launcher.launch(r, gen, everServed());
        workers.add(w);
        return w;
    }

    /** {@code w}, started by {@code r}, is ready: from now on it serves. */
    void serving(Reload r, Worker w, String how) {
        w.readyNanos = loop.nanoTime();
        autoRestart.ready(w.readyNanos);
        workers.serve(w);
        writeStatus(); // before the log line: whoever reads "is ready" finds the status file already current
        Log.worker(w.generation, w.pid).info("new worker " + w.pid + " (generation " + w.generation + ") is ready (" + how + " after "
                + (w.readyNanos - w.spawnedNanos) / 1_000_000 + " ms)");
        boolean first = !everServed();
        if (first) {
            started.complete(null);
        }
        systemd.serving(w.generation, first, ProcessHandle.current().pid());
        reloads.serving(r);
        w.launch.ready();
    }

    Duration killOldDelay() {
        return environment.killOldDelay();
    }

    /** Sends signal-on-hup to every older generation — again to those already told, as start_server does. */
    void retire(List<Worker> old) {
        if (old.isEmpty() || shutdown.underway()) {
            return;
        }
        Log.info("killing old workers");
        for (Worker o : old) {
            o.state = WorkerState.DRAINING;
            stop(o, config.signalOnHup(), config.drainTimeout().orElse(null));
        }
    }

    void generationFailed() {
        crashes.generationFailed();
    }

    /** Whether a worker of {@code w}'s reload that exited before it was ready is started again at once, without the JVM cache. */
    boolean startAgainWithoutJvmCache(Worker w, ExitStatus status) {
        return !shutdown.underway() && w.launch.startAgainWithoutCache(status);
    }

    Retries.Situation situation() {
        return new Retries.Situation(workers.serving() != null, reloads.queued() != null, everServed(), crashes.failuresInARow());
    }

    /** {@code r} gave up: the serving generation goes on, or nothing serves and baton starts again (or exits, at first start). */
    void gaveUp(Reload r, String why) {
        Worker serving = workers.serving();
        if (serving != null) {
            systemd.reloadFailed(serving.generation);
            nextMayStart();
            return;
        }
        if (crashes.startGivesUp(everServed())) {
            Log.error("the worker failed to start: " + why + ". Fix the worker command (its output is above) and start again"
                    + (config.startRetries() == 0 ? " (--start-retries lets a first start be retried)" : ""));
            shutdown.fatal(1);
            return;
        }
        restart();
    }

    /** {@code r} succeeded or failed: it leaves the queue. */
    void finished(Reload r) {
        reloads.finished(r);
        if (r.requested()) {
            metrics.reloadFinished(r.phase() == Reload.Phase.SUCCEEDED, r.seconds());
        }
    }

    /** Sends {@code signal}; when {@code killAfter} is set, SIGKILL follows if the worker is still alive then. */
    void stop(Worker w, int signal, Duration killAfter) {
        stops.send(w, signal, killAfter);
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
        Reload starting = reloads.starting();
        Reload queued = reloads.queued();
        boolean crashLoop = crashes.looping() && (workers.serving() == null || (starting != null && starting.phase() == Reload.Phase.STARTING));
        return new SupervisorSnapshot((int) ProcessHandle.current().pid(), reloads.generation(), shutdown.underway(), crashLoop,
                workers.views(), reloads.views(), metrics.reloadsByResult(), metrics.workerRestarts(), config.reloadRetries(),
                metrics.reloadRetries(), metrics.reloadDuration(), new GateSnapshot(gateKeeper.maxGenerations(),
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
