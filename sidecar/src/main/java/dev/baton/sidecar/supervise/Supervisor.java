package dev.baton.sidecar.supervise;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.baton.sidecar.Log;
import dev.baton.sidecar.files.EnvDir;
import dev.baton.sidecar.files.StatusFile;
import dev.baton.sidecar.lifeline.Lifeline;
import dev.baton.sidecar.listen.Listener;
import dev.baton.sidecar.listen.Listeners;
import dev.baton.sidecar.notify.NotifyEndpoint;
import dev.baton.sidecar.notify.NotifyMessage;
import dev.baton.sidecar.notify.NotifyReceiver;
import dev.baton.sidecar.notify.SystemdNotifier;
import dev.baton.sidecar.posix.Posix;
import dev.baton.sidecar.posix.PosixException;
import dev.baton.sidecar.posix.Signals;
import dev.baton.sidecar.spawn.ExitStatus;
import dev.baton.sidecar.spawn.Reaper;
import dev.baton.sidecar.spawn.SpawnException;
import dev.baton.sidecar.spawn.Spawner;

/**
 * The supervisor: spawns worker generations on the held sockets, decides when a new one is ready,
 * retires the old ones, restarts crashed ones, and shuts everything down on TERM.
 *
 * <p>All state lives on one thread, the loop. Signals, child exits (from the {@link Reaper}),
 * sd_notify messages (from the {@link NotifyReceiver}), timers and control requests all arrive as
 * tasks on it, and nothing else touches the worker table — so there are no locks, and every
 * decision sees a consistent table.
 */
public final class Supervisor {
    private static final int RECENT_RELOADS = 20;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** A worker that served this long before dying was not crash-looping: the backoff starts over. */
    private static final Duration STABLE_AFTER = Duration.ofSeconds(30);
    private static final Duration KILL_NOT_READY_AFTER = Duration.ofSeconds(10);

    private final SupervisorConfig config;
    private final Listeners listeners;
    private final Map<String, String> baseEnv;
    private final StatusFile statusFile;
    private final ScheduledExecutorService loop;
    private final Reaper reaper;
    private final NotifyReceiver<Integer> notifyReceiver;
    /** sd_notify to whoever started us (systemd Type=notify); null when we were not asked. */
    private final SystemdNotifier systemd;
    /** Its read end goes to every worker: end-of-file there means this supervisor died. */
    private final Lifeline lifeline;
    private final CountDownLatch exited = new CountDownLatch(1);
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private volatile int exitCode;
    /** The exit code once every worker is gone: 0 after TERM/INT, non-zero after a fatal failure. */
    private int shutdownExitCode;

    // ---- state: loop thread only ----
    private final Map<Integer, Worker> workersByPid = new LinkedHashMap<>();
    private Worker current;
    private Worker candidate;
    private Reload queuedReload;
    private final Deque<Reload> recentReloads = new ArrayDeque<>();
    private long nextReloadId = 1;
    private int generation;
    private boolean everServed;
    /** Said once: auto readiness waits for the agent's READY=1. */
    private boolean saidAgentReadiness;
    private boolean shuttingDown;
    /** Failed starts and crashes since a worker last served for {@link #STABLE_AFTER}: drives the backoff. */
    private int consecutiveFailures;
    private ScheduledFuture<?> pendingRestart;
    /** A reload waiting out its backoff before the next attempt (--reload-retries), and its timer. */
    private Reload retryingReload;
    private ScheduledFuture<?> pendingRetry;
    private long reloadRetriesStarted;
    private long lastRestartNanos = System.nanoTime();
    private Map<String, String> effectiveEnv;
    private final Map<String, Long> reloadsByResult = new TreeMap<>(Map.of("succeeded", 0L, "failed", 0L));
    private long workerRestarts;
    private final DurationHistogram reloadDuration = new DurationHistogram();

    public Supervisor(SupervisorConfig config, Listeners listeners, Map<String, String> baseEnv) throws PosixException {
        this.config = config;
        this.listeners = listeners;
        this.baseEnv = Map.copyOf(baseEnv);
        this.effectiveEnv = this.baseEnv;
        this.systemd = SystemdNotifier.fromEnvironment(baseEnv.get("NOTIFY_SOCKET"));
        this.lifeline = Lifeline.open();
        this.statusFile = config.statusFile().map(p -> new StatusFile(p, ProcessHandle.current().pid())).orElse(null);
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "baton-loop");
            t.setDaemon(true);
            return t;
        });
        this.reaper = new Reaper((pid, status) -> loop.execute(() -> onChildExit(pid, status)));
        this.notifyReceiver = new NotifyReceiver<>((pid, message) -> loop.execute(() -> onNotify(pid, message)));
    }

    // ---------------------------------------------------------------- public, thread-safe

    /** Starts the first worker and blocks until the supervisor has shut down; returns the exit code. */
    public int run() throws InterruptedException {
        reaper.start();
        loop.execute(this::startFirstWorker);
        loop.scheduleWithFixedDelay(this::autoRestartTick, 1, 1, TimeUnit.SECONDS);
        exited.await();
        return exitCode;
    }

    /** Completes when the first worker is ready, or exceptionally when the supervisor gives up before that. */
    public CompletableFuture<Void> started() {
        return started;
    }

    /** A signal delivered to the supervisor (from the JVM's signal thread). */
    public void signal(int signal) {
        loop.execute(() -> onSignal(signal));
    }

    /** Requests a reload, as a HUP does; the returned view carries the reload's id. */
    public CompletableFuture<ReloadView> requestReload(String trigger) {
        return onLoop(() -> {
            Reload reload = reloadRequested(trigger);
            return reload == null ? null : reload.view();
        });
    }

    public CompletableFuture<Optional<ReloadView>> reload(long id) {
        return onLoop(() -> recentReloads.stream().filter(r -> r.id == id).findFirst().map(Reload::view)
                .or(() -> Optional.ofNullable(queuedReload).filter(r -> r.id == id).map(Reload::view)));
    }

    public CompletableFuture<SupervisorSnapshot> snapshot() {
        return onLoop(this::takeSnapshot);
    }

    private <T> CompletableFuture<T> onLoop(java.util.concurrent.Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                try {
                    result.complete(task.call());
                } catch (Exception | Error e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("the supervisor has shut down"));
        }
        return result;
    }

    // ---------------------------------------------------------------- events

    private void startFirstWorker() {
        spawnGeneration(null);
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
        Worker w = workersByPid.get(pid);
        if (w == null) {
            return;
        }
        w.spokeNotify = true;
        if (message.status() != null) {
            w.lastStatus = message.status();
        }
        if (message.ready() && w.state == WorkerState.STARTING) {
            workerReady(w, "READY=1");
        }
    }

    private void onChildExit(int pid, ExitStatus status) {
        Worker w = workersByPid.remove(pid);
        if (w == null) {
            return; // an orphan re-parented to us (we may be PID 1), or the --log-file pipe command
        }
        w.cancelTimers();
        notifyReceiver.unregister(w.notify);
        w.notify.close();
        if (shuttingDown) {
            Log.info("worker " + pid + " died, status:" + status.raw());
            writeStatus();
            finishShutdownIfDone();
            return;
        }
        switch (w.state) {
            case STARTING -> candidateFailed(w, "exited with " + status.describe() + " before it was ready", status);
            case SERVING -> currentDied(w, status);
            case DRAINING -> {
                writeStatus();
                Log.info("old worker " + pid + " died, status:" + status.raw());
                completeDrainedReloads();
            }
        }
    }

    // ---------------------------------------------------------------- reloads

    /** A HUP or an API request: start a reload now, or coalesce it into the one queued after the starting generation. */
    private Reload reloadRequested(String trigger) {
        if (shuttingDown) {
            return null;
        }
        if (retryingReload != null) {
            // Someone asks again while a failed reload waits to be retried: the reason to wait (give a
            // broken deploy time) is gone, they may just have fixed it. Retry now, as the same reload.
            Reload r = retryingReload;
            Log.info("reload " + r.id + " was waiting to be retried; retrying it now");
            retryNow(r);
            return r;
        }
        if (candidate != null || pendingRestart != null) {
            if (queuedReload == null) {
                queuedReload = new Reload(nextReloadId++, trigger);
                Log.info("a new generation is still starting; the reload will follow it (coalesced)");
            }
            return queuedReload;
        }
        Reload reload = new Reload(nextReloadId++, trigger);
        startReload(reload);
        return reload;
    }

    private void startReload(Reload reload) {
        tellSystemd(SystemdNotifier.reloading("reloading: starting generation " + (generation + 1)));
        remember(reload);
        reload.state = Reload.State.STARTING;
        reload.attempts++;
        lastRestartNanos = System.nanoTime();
        spawnGeneration(reload);
    }

    private void spawnGeneration(Reload reload) {
        generation++; // counts every attempt, failed ones too, as start_server does
        int gen = generation;
        if (reload != null) {
            reload.generation = gen;
        }
        NotifyEndpoint notify = null;
        try {
            Map<String, String> env = environmentFor(gen);
            notify = NotifyEndpoint.open(config.runtimeDirectory().resolve("notify-" + gen + ".sock"));
            int notifyFd = listeners.firstFreeWorkerFd();
            int lifelineFd = notifyFd + 1;
            env.put("NOTIFY_SOCKET", notify.path().toString());
            env.put("BATON_NOTIFY_FD", Integer.toString(notifyFd));
            env.put(Lifeline.FD_ENV, Integer.toString(lifelineFd));
            List<Spawner.FdMapping> fds = new ArrayList<>();
            for (Listener l : listeners.all()) {
                fds.add(new Spawner.FdMapping(l.fd(), l.workerFd()));
            }
            fds.add(new Spawner.FdMapping(notify.clientFd(), notifyFd));
            fds.add(new Spawner.FdMapping(lifeline.readFd(), lifelineFd));
            int pid = Spawner.spawn(new Spawner.SpawnSpec(config.command(), env, fds,
                    config.directory().orElse(null), false));
            notify.releaseClient();
            reaper.childStarted();
            Worker w = new Worker(gen, pid, notify, reload);
            workersByPid.put(pid, w);
            candidate = w;
            notifyReceiver.register(notify, pid);
            Log.info("starting new worker " + pid);
            w.runsBatonAgent = config.readiness() == Readiness.AUTO && Readiness.runsBatonAgent(config.command(), env);
            if (w.runsBatonAgent && !saidAgentReadiness) {
                saidAgentReadiness = true;
                Log.info("the worker runs the Baton agent: each generation is ready at its READY=1 (--readiness auto),"
                        + " not after --interval (up to --ready-timeout " + human(config.readyTimeout()) + ")");
            }
            scheduleReadiness(w);
        } catch (SpawnException | IOException e) {
            if (notify != null) {
                notify.close();
            }
            spawnFailed(gen, reload, e.getMessage());
        }
    }

    private Map<String, String> environmentFor(int gen) throws IOException {
        Map<String, String> env = new TreeMap<>(baseEnv);
        env.remove("NOTIFY_SOCKET"); // ours to set; the supervisor's own (systemd's) is not the worker's
        env.remove("BATON_NOTIFY_FD");
        String envDir = env.get("ENVDIR");
        if (envDir != null && !envDir.isEmpty()) {
            env.putAll(EnvDir.read(Path.of(envDir)));
        }
        effectiveEnv = Map.copyOf(env);
        env.put("SERVER_STARTER_PORT", listeners.serverStarterPort());
        env.put("SERVER_STARTER_GENERATION", Integer.toString(gen));
        return env;
    }

    private void scheduleReadiness(Worker w) {
        if (config.readiness() != Readiness.NOTIFY && !w.runsBatonAgent) {
            w.readyCheck = loop.schedule(() -> {
                if (w.state == WorkerState.STARTING && workersByPid.containsKey(w.pid)
                        && (config.readiness() == Readiness.ALIVE || !w.spokeNotify)) {
                    workerReady(w, "alive after --interval");
                }
            }, config.interval().toMillis(), TimeUnit.MILLISECONDS);
        }
        w.readyDeadline = loop.schedule(() -> {
            if (w.state == WorkerState.STARTING && workersByPid.containsKey(w.pid)) {
                Log.info("new worker " + w.pid + " did not become ready within " + human(config.readyTimeout())
                        + " (--ready-timeout); stopping it");
                stopWorker(w, Signals.SIGTERM, KILL_NOT_READY_AFTER);
                candidateFailed(w, "did not become ready within " + human(config.readyTimeout()), null);
            }
        }, config.readyTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void workerReady(Worker w, String how) {
        w.cancelTimers();
        w.readyNanos = System.nanoTime();
        candidate = null;
        Worker previous = current;
        current = w;
        w.state = WorkerState.SERVING;
        if (previous != null) {
            previous.state = WorkerState.DRAINING;
        }
        writeStatus(); // before the log line: whoever reads "is ready" finds the status file already current
        Log.info("new worker " + w.pid + " (generation " + w.generation + ") is ready (" + how + " after "
                + (w.readyNanos - w.spawnedNanos) / 1_000_000 + " ms)");
        if (!everServed) {
            everServed = true;
            started.complete(null);
            tellSystemd("READY=1\nMAINPID=" + Posix.libc().getpid() + "\nSTATUS=generation " + w.generation + " serving");
        } else {
            tellSystemd("READY=1\nSTATUS=generation " + w.generation + " serving");
        }
        if (w.reload != null) {
            w.reload.readyNanos = w.readyNanos;
            w.reload.state = Reload.State.DRAINING;
        }
        List<Worker> old = olderWorkers(w.generation);
        if (w.reload != null || !old.isEmpty()) {
            Log.info("new worker is now running, sending " + Signals.name(config.signalOnHup()) + " to old workers:"
                    + (old.isEmpty() ? "none" : old.stream().map(o -> Integer.toString(o.pid)).collect(Collectors.joining(","))));
        }
        Duration delay = killOldDelay();
        if (!old.isEmpty()) {
            if (delay.isZero()) {
                retire(old);
            } else {
                Log.info("sleeping " + human(delay) + " before killing old workers");
                loop.schedule(() -> retire(olderWorkers(w.generation)), delay.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        completeDrainedReloads();
        startQueuedReload();
    }

    /** Sends signal-on-hup to every older generation — again to those already told, as start_server does. */
    private void retire(List<Worker> old) {
        if (old.isEmpty() || shuttingDown) {
            return;
        }
        Log.info("killing old workers");
        for (Worker o : old) {
            o.state = WorkerState.DRAINING;
            stopWorker(o, config.signalOnHup(), config.drainTimeout().orElse(null));
        }
    }

    private void candidateFailed(Worker w, String why, ExitStatus status) {
        if (candidate != w) {
            return;
        }
        candidate = null;
        w.cancelTimers();
        if (status != null) {
            Log.info("new worker " + w.pid + " seems to have failed to start, exit status:" + status.raw());
        }
        generationFailed(w.generation, w.reload, "generation " + w.generation + " (pid " + w.pid + ") " + why);
    }

    private void spawnFailed(int gen, Reload reload, String why) {
        if (everServed) {
            Log.error(why); // at first start, generationFailed says it (once) as the reason to give up
        }
        generationFailed(gen, reload, why);
    }

    private void generationFailed(int gen, Reload reload, String why) {
        candidate = null;
        consecutiveFailures++;
        if (reload != null && current != null && queuedReload == null && reload.attempts <= config.reloadRetries()) {
            scheduleRetry(reload, why);
            return;
        }
        if (reload != null) {
            String serving = (reload.attempts > 1 ? " (attempt " + reload.attempts + ", no retry left)" : "")
                    + (current != null ? "; generation " + current.generation + " keeps serving" : "");
            finishReload(reload, Reload.State.FAILED, why + serving);
            Log.warn("reload " + reload.id + " failed: " + why + serving);
        }
        if (current != null) {
            tellSystemd("READY=1\nSTATUS=reload failed; generation " + current.generation + " serving");
            startQueuedReload();
            return;
        }
        // Nothing serves: start again, unless this is a first start that keeps failing.
        if (!everServed && consecutiveFailures > config.startRetries()) {
            Log.error("the worker failed to start: " + why + ". Fix the worker command (its output is above) and start again"
                    + (config.startRetries() == 0 ? " (--start-retries lets a first start be retried)" : ""));
            fatal(1);
            return;
        }
        if (reload == null) {
            Log.warn(why + "; starting again");
        }
        scheduleRestart();
    }

    /**
     * A reload's generation failed while the old one serves, and --reload-retries allows another try:
     * wait (--reload-retry-delay, doubled per retry, at most {@link #MAX_BACKOFF}), then start the
     * next generation for the same reload. A HUP or API reload meanwhile retries at once; a queued
     * reload (asked for during the failed start) is a newer request and replaces the retry.
     */
    private void scheduleRetry(Reload reload, String why) {
        Duration delay = retryDelay(config.reloadRetryDelay(), reload.attempts);
        retryingReload = reload;
        reload.state = Reload.State.RETRYING;
        reload.nextAttemptAt = Instant.now().plus(delay);
        reload.message = why + "; attempt " + reload.attempts + " of " + (config.reloadRetries() + 1)
                + " failed, retrying in " + human(delay) + "; generation " + current.generation + " keeps serving";
        Log.warn("reload " + reload.id + " attempt " + reload.attempts + " failed: " + why + "; retrying in "
                + human(delay) + " (--reload-retries " + config.reloadRetries() + ")");
        tellSystemd("READY=1\nSTATUS=reload attempt failed, retrying; generation " + current.generation + " serving");
        pendingRetry = loop.schedule(() -> retryNow(reload), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void retryNow(Reload reload) {
        if (pendingRetry != null) {
            pendingRetry.cancel(false);
        }
        pendingRetry = null;
        retryingReload = null;
        if (shuttingDown) {
            return;
        }
        if (candidate != null || pendingRestart != null) {
            // the serving worker crashed meanwhile and its restart is under way: follow it, as a HUP would
            if (queuedReload == null) {
                reload.state = Reload.State.QUEUED;
                queuedReload = reload;
            } else {
                finishReload(reload, Reload.State.FAILED, "superseded by reload " + queuedReload.id);
            }
            return;
        }
        reloadRetriesStarted++;
        startReload(reload);
    }

    static Duration retryDelay(Duration first, int failedAttempts) {
        Duration d = first.multipliedBy(1L << Math.min(Math.max(failedAttempts - 1, 0), 20));
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    private void currentDied(Worker w, ExitStatus status) {
        current = null;
        Log.info("worker " + w.pid + " died unexpectedly with status:" + status.raw() + ", restarting");
        workerRestarts++;
        if (System.nanoTime() - w.readyNanos >= STABLE_AFTER.toNanos()) {
            consecutiveFailures = 0;
        }
        consecutiveFailures++;
        writeStatus();
        if (candidate == null) {
            scheduleRestart();
        }
    }

    /** Restarts a worker when none serves, backing off exponentially on repeated failures. */
    private void scheduleRestart() {
        if (pendingRestart != null || shuttingDown) {
            return;
        }
        Duration delay = backoff(consecutiveFailures);
        if (delay.isZero()) {
            spawnFromQueueOrFresh();
            return;
        }
        Log.warn("worker crash loop: " + consecutiveFailures + " failures in a row; next start in " + human(delay));
        pendingRestart = loop.schedule(() -> {
            pendingRestart = null;
            spawnFromQueueOrFresh();
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void spawnFromQueueOrFresh() {
        if (shuttingDown || candidate != null) {
            return;
        }
        if (queuedReload != null) {
            Reload r = queuedReload;
            queuedReload = null;
            startReload(r);
        } else {
            spawnGeneration(null);
        }
    }

    static Duration backoff(int failures) {
        if (failures <= 1) {
            return Duration.ZERO;
        }
        long seconds = 1L << Math.min(failures - 2, 5);
        Duration d = Duration.ofSeconds(seconds);
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    private void startQueuedReload() {
        if (queuedReload != null && candidate == null && !shuttingDown) {
            Reload r = queuedReload;
            queuedReload = null;
            startReload(r);
        }
    }

    private void completeDrainedReloads() {
        for (Reload r : recentReloads) {
            if (r.state == Reload.State.DRAINING && olderWorkers(r.generation).isEmpty()) {
                finishReload(r, Reload.State.SUCCEEDED, "generation " + r.generation + " serving");
            }
        }
    }

    private void finishReload(Reload r, Reload.State state, String message) {
        remember(r);
        r.state = state;
        r.message = message;
        r.doneNanos = System.nanoTime();
        r.finishedAt = Instant.now();
        reloadsByResult.merge(state == Reload.State.SUCCEEDED ? "succeeded" : "failed", 1L, Long::sum);
        if (state == Reload.State.SUCCEEDED) {
            reloadDuration.record((r.doneNanos - r.requestedNanos) / 1e9);
        }
    }

    private void remember(Reload r) {
        if (!recentReloads.contains(r)) {
            recentReloads.addLast(r);
            while (recentReloads.size() > RECENT_RELOADS) {
                recentReloads.removeFirst();
            }
        }
    }

    // ---------------------------------------------------------------- auto restart (start_server's --enable-auto-restart)

    private void autoRestartTick() {
        if (shuttingDown || current == null || candidate != null) {
            return;
        }
        refreshEffectiveEnv(); // start_server re-reads the envdir on every turn of its loop: it may switch this on
        if (!truthy(effectiveEnv.get("ENABLE_AUTO_RESTART"))) {
            return;
        }
        long interval = parseSeconds(effectiveEnv.get("AUTO_RESTART_INTERVAL"), 360);
        long elapsed = (System.nanoTime() - lastRestartNanos) / 1_000_000_000L;
        boolean oldRunning = !olderWorkers(current.generation).isEmpty();
        if (elapsed >= interval && !oldRunning) {
            Log.info("autorestart triggered (interval=" + interval + ")");
            reloadRequested("auto-restart");
        } else if (elapsed >= interval * 2) {
            Log.info("autorestart triggered (forced, interval=" + interval + ")");
            reloadRequested("auto-restart");
        }
    }

    private void refreshEffectiveEnv() {
        if (baseEnv.get("ENVDIR") == null) {
            return;
        }
        try {
            environmentFor(generation);
        } catch (IOException e) {
            // reported when a reload actually needs the envdir; the serving worker is unaffected
        }
    }

    private Duration killOldDelay() {
        String value = effectiveEnv.get("KILL_OLD_DELAY");
        if (value != null && !value.isEmpty()) {
            return Duration.ofMillis((long) (parseDouble(value, 0) * 1000));
        }
        return truthy(effectiveEnv.get("ENABLE_AUTO_RESTART")) ? Duration.ofSeconds(5) : Duration.ZERO;
    }

    // ---------------------------------------------------------------- shutdown

    private void beginShutdown(int signal) {
        if (shuttingDown) {
            Log.info("received " + Signals.name(signal) + " again; still waiting for workers: " + pids(workersByPid.values()));
            return;
        }
        shuttingDown = true;
        tellSystemd("STOPPING=1\nSTATUS=stopping");
        int toWorkers = signal == Signals.SIGTERM ? config.signalOnTerm() : Signals.SIGTERM;
        if (pendingRestart != null) {
            pendingRestart.cancel(false);
        }
        if (pendingRetry != null) {
            pendingRetry.cancel(false);
            pendingRetry = null;
            retryingReload = null;
        }
        if (queuedReload != null) {
            finishReload(queuedReload, Reload.State.FAILED, "the supervisor is shutting down");
            queuedReload = null;
        }
        for (Reload r : recentReloads) {
            if (!r.finished()) {
                finishReload(r, Reload.State.FAILED, "the supervisor is shutting down");
            }
        }
        Log.info("received " + Signals.name(signal) + ", sending " + Signals.name(toWorkers) + " to all workers:"
                + pids(workersByPid.values()));
        for (Worker w : new ArrayList<>(workersByPid.values())) {
            w.cancelTimers();
            w.state = WorkerState.DRAINING;
            stopWorker(w, toWorkers, config.drainTimeout().orElse(null));
        }
        finishShutdownIfDone();
    }

    private void finishShutdownIfDone() {
        if (shuttingDown && workersByPid.isEmpty()) {
            Log.info("exiting");
            exit(shutdownExitCode);
        }
    }

    private void fatal(int code) {
        shuttingDown = true;
        shutdownExitCode = code;
        for (Worker w : new ArrayList<>(workersByPid.values())) {
            stopWorker(w, Signals.SIGTERM, KILL_NOT_READY_AFTER);
        }
        if (!started.isDone()) {
            started.completeExceptionally(new IllegalStateException("the worker failed to start"));
        }
        finishShutdownIfDone(); // or once the last worker is reaped
    }

    private void exit(int code) {
        if (exited.getCount() == 0) {
            return;
        }
        exitCode = code;
        if (statusFile != null) {
            statusFile.remove();
        }
        notifyReceiver.close();
        lifeline.close();
        reaper.stop();
        if (!started.isDone()) {
            started.completeExceptionally(new IllegalStateException("the supervisor stopped before a worker was ready"));
        }
        exited.countDown();
        loop.shutdown();
    }

    // ---------------------------------------------------------------- helpers

    /** Sends {@code signal}; when {@code killAfter} is set, SIGKILL follows if the worker is still alive then. */
    private void stopWorker(Worker w, int signal, Duration killAfter) {
        if (Posix.libc().kill(w.pid, signal) < 0 && Posix.errno() != Posix.ESRCH) {
            Log.warn("cannot send " + Signals.name(signal) + " to worker " + w.pid + ": " + Posix.describe(Posix.errno()));
        }
        if (killAfter != null) {
            // The first signal starts the clock. Each new generation signals every old worker again (as
            // start_server does); restarting the clock then would let a worker that ignores the signal outlive
            // every deadline while HUPs come faster than --drain-timeout. Only a shorter deadline replaces it.
            if (w.killDeadline != null && !w.killDeadline.isDone()
                    && w.killDeadline.getDelay(TimeUnit.MILLISECONDS) <= killAfter.toMillis()) {
                return;
            }
            if (w.killDeadline != null) {
                w.killDeadline.cancel(false);
            }
            w.killDeadline = loop.schedule(() -> {
                if (workersByPid.get(w.pid) == w) {
                    Log.warn("worker " + w.pid + " (generation " + w.generation + ") still running " + human(killAfter)
                            + " after " + Signals.name(signal) + "; sending KILL (--drain-timeout)");
                    Posix.libc().kill(w.pid, Signals.SIGKILL);
                }
            }, killAfter.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void tellSystemd(String message) {
        if (systemd != null) {
            systemd.send(message);
        }
    }

    private List<Worker> olderWorkers(int generationBound) {
        return workersByPid.values().stream().filter(o -> o.generation < generationBound)
                .sorted(Comparator.comparingInt(o -> o.pid)).toList();
    }

    private void writeStatus() {
        if (statusFile == null) {
            return;
        }
        Map<Integer, Integer> gens = new TreeMap<>();
        for (Worker w : workersByPid.values()) {
            if (w.state != WorkerState.STARTING) {
                gens.put(w.generation, w.pid);
            }
        }
        try {
            statusFile.write(gens);
        } catch (IOException e) {
            Log.warn("cannot write status file " + statusFile.path() + ": " + e.getMessage());
        }
    }

    private SupervisorSnapshot takeSnapshot() {
        List<WorkerView> workers = workersByPid.values().stream()
                .sorted(Comparator.comparingInt((Worker w) -> w.generation))
                .map(w -> new WorkerView(w.generation, w.pid, w.state.name().toLowerCase(java.util.Locale.ROOT),
                        w.spawnedAt, w.lastStatus))
                .toList();
        List<ReloadView> reloads = new ArrayList<>();
        recentReloads.forEach(r -> reloads.add(r.view()));
        if (queuedReload != null) {
            reloads.add(queuedReload.view());
        }
        boolean crashLoop = consecutiveFailures >= 3 && (current == null || candidate != null);
        return new SupervisorSnapshot(Posix.libc().getpid(), generation, shuttingDown, crashLoop, workers, reloads,
                Map.copyOf(reloadsByResult), workerRestarts, config.reloadRetries(), reloadRetriesStarted,
                reloadDuration.copy());
    }

    private static String pids(java.util.Collection<Worker> workers) {
        return workers.stream().map(w -> w.pid).sorted().map(String::valueOf).collect(Collectors.joining(","));
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }

    private static boolean truthy(String value) {
        return value != null && !value.isEmpty() && !"0".equals(value);
    }

    private static long parseSeconds(String value, long fallback) {
        return (long) parseDouble(value, fallback);
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
