package dev.baton.sidecar.supervise;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

import dev.baton.sidecar.Log;
import dev.baton.sidecar.gate.StartGates;
import dev.baton.sidecar.notify.NotifyMessage;
import dev.baton.sidecar.posix.Signals;
import dev.baton.sidecar.spawn.ExitStatus;
import dev.baton.sidecar.watch.ExpectedConfig;

/**
 * One reload: a new generation started, made ready, and every older one retired. Its methods read in
 * the order of ARCHITECTURE.md's reload diagram — {@link #start} → {@link #spawned} → {@link #ready}
 * → {@link #retireOld} → {@link #oldGone} → {@link #succeeded} | {@link #failed} → {@link #retryOrGiveUp}
 * — and they alone change its {@link Phase}. The first start and the restart after the serving worker
 * died go the same way ({@link Kind}); only the rules for retrying and for giving up differ
 * ({@link Retries}).
 *
 * <p>Before it starts, a requested reload queued while another generation serves passes the start gates
 * ({@link GateKeeper}): {@link #held} while one says wait, {@link #refused} when one says no, and
 * {@link #admitted} once all are open.
 *
 * <p>The supervisor owns everything around it (the worker table, the reload queue, the processes) and
 * does what the reload asks. Requests that arrive while a generation is still starting are coalesced
 * into one reload after it, so they share an id. Loop thread only; {@link #view()} is the thread-safe copy.
 */
final class Reload {
    /**
     * WAITING: queued and held at a start gate (the config it expects is not mounted yet, its generation would
     * not fit in memory or exceed --max-generations). RETRYING: a generation failed and the next attempt waits
     * (--reload-retries, or a crash loop's backoff).
     */
    enum Phase { QUEUED, WAITING, STARTING, RETRYING, DRAINING, SUCCEEDED, FAILED }

    enum Kind {
        /** The very first worker. */
        FIRST_START,
        /** Nothing serves any more (the serving worker died, or a reload failed meanwhile). */
        RESTART,
        /** A HUP, {@code POST /reload} or auto-restart: shown in /status, counted in /metrics. */
        REQUESTED
    }

    private final Supervisor supervisor;
    final long id;
    final Kind kind;
    final String trigger;
    final Instant requestedAt;
    final long requestedNanos;

    private Phase phase = Phase.QUEUED;
    /** The generation of the latest attempt, and its worker while it starts (null if it could not be spawned). */
    private int generation;
    private Worker worker;
    /** Generations started for this reload so far: 1 + the retries. */
    private int attempts;
    private long attemptNanos;
    private EventLoop.Timer intervalRule;
    private EventLoop.Timer readyDeadline;
    private EventLoop.Timer nextAttempt;
    /**
     * Between ready and retire old: the older generations are retired once neither holds them any more. The new
     * worker's warm-up (its agent's X_BATON_WARM=1, or the time it announced with READY=1), and --kill-old-delay.
     */
    private boolean heldForWarmUp;
    private boolean heldForDelay;
    private EventLoop.Timer warmUpOver;
    private Instant nextAttemptAt;
    private String message = "";
    private long readyNanos;
    private long doneNanos;
    private Instant finishedAt;
    /** The configs its generation must start with (POST /reload's expect), merged over the requests it joined. */
    private List<ExpectedConfig> expected = List.of();
    /** How long it may wait for them (the request's expectTimeout); null: --config-wait. */
    private Duration expectTimeout;
    /** The configs the gates checked its generation starts with (empty when it was not gated). */
    private List<ExpectedConfig> startedWith = List.of();
    /** Its way through the start gates (the gates' own wait clocks), and the gate it waits at: {@link GateKeeper}'s. */
    StartGates.Passage passage;
    String waitingAt;

    Reload(Supervisor supervisor, long id, Kind kind, String trigger) {
        this.supervisor = supervisor;
        this.id = id;
        this.kind = kind;
        this.trigger = trigger;
        this.requestedAt = supervisor.loop().now();
        this.requestedNanos = supervisor.loop().nanoTime();
    }

    // ---------------------------------------------------------------- queued → held | refused | admitted

    /**
     * Another request joins this queued reload, with the configs it expects: a newer hash for a path wins (the
     * kubelet may skip a version; only the newest will be mounted), and the wait at the gates starts over.
     */
    void expect(List<ExpectedConfig> more, Duration timeout) {
        if (!more.isEmpty()) {
            expected = ExpectedConfig.merge(expected, more);
            expectTimeout = timeout;
            passage = null;
        }
    }

    List<ExpectedConfig> expected() {
        return expected;
    }

    Duration expectTimeout() {
        return expectTimeout;
    }

    /** Held: a start gate says wait; {@code why} is what /reloads/{id} shows. */
    void held(String why) {
        phase = Phase.WAITING;
        message = why;
    }

    /** Admitted: every gate is open; its generation starts with the configs they checked. */
    void admitted() {
        startedWith = expected;
        message = "";
    }

    /** The configs its generation was checked to start with. */
    List<ExpectedConfig> startedWith() {
        return startedWith;
    }

    /** Refused: a gate says it can never start now, or it waited longer than the gate allows. No generation was started. */
    void refused(String why) {
        Worker serving = supervisor.workers().serving();
        String outcome = serving != null ? "; generation " + serving.generation + " keeps serving" : "";
        finish(Phase.FAILED, why + outcome);
        Log.warn("reload " + id + " failed: " + why + outcome);
    }

    // ---------------------------------------------------------------- start → spawned → ready

    /** Start: spawn the next generation (its environment read anew). */
    void start() {
        attempts++;
        attemptNanos = supervisor.loop().nanoTime();
        spawnGeneration(true);
    }

    /**
     * The generation of this attempt started with the JVM cache and exited before it was ready: the next one
     * starts at once without it — the same attempt (not a retry, not a failure in a row), for the cache must
     * never make a worker fail to start. Whether this one comes up tells the cache whether it was to blame.
     */
    private void startAgainWithoutJvmCache() {
        cancelTimers();
        spawnGeneration(false);
    }

    private void spawnGeneration(boolean newAttempt) {
        phase = Phase.STARTING;
        generation = supervisor.nextGeneration();
        if (requested() && newAttempt) {
            supervisor.reloadStarting(this);
        }
        try {
            worker = supervisor.spawn(this, generation);
        } catch (WorkerLauncher.CannotSpawn e) {
            worker = null;
            failed(e.getMessage());
            return;
        }
        spawned();
    }

    /**
     * Spawned: it is ready at its READY=1, or (start_server's rule, for a worker that never spoke
     * sd_notify and does not run Baton's agent) when still alive after --interval; it fails if it
     * exits first or is not ready within --ready-timeout (never before --interval, where that rule applies).
     */
    private void spawned() {
        SupervisorConfig config = supervisor.config();
        Worker w = worker;
        Duration deadline = config.readyTimeout();
        if (config.readiness() != Readiness.NOTIFY && !w.runsBatonAgent) {
            intervalRule = supervisor.loop().schedule(config.interval(), () -> {
                if (config.readiness() == Readiness.ALIVE || !w.spokeNotify) {
                    ready(w, "alive after --interval", null);
                }
            });
            deadline = deadline.compareTo(config.interval()) < 0 ? config.interval() : deadline;
        }
        readyDeadline = supervisor.loop().schedule(deadline, () -> notReadyInTime(w));
    }

    /** An sd_notify message from a worker this reload started: while it starts, or, serving, that it is warm. */
    void notified(Worker w, NotifyMessage message) {
        if (message.ready()) {
            ready(w, "READY=1", message);
        }
        if (message.warm()) {
            warm(w, message.status());
        }
    }

    /** A worker this reload started exited before it was ready. */
    void exitedBeforeReady(Worker w, ExitStatus status) {
        if (w != worker || phase != Phase.STARTING) {
            return; // an attempt given up on already (--ready-timeout), now gone
        }
        Supervisor.exited(w, status).info("new worker " + w.pid + " seems to have failed to start, exit " + supervisor.status(status));
        if (supervisor.startAgainWithoutJvmCache(w, status)) {
            startAgainWithoutJvmCache();
            return;
        }
        failed("generation " + w.generation + " (pid " + w.pid + ") exited with " + status.describe() + " before it was ready");
    }

    private void notReadyInTime(Worker w) {
        if (w != worker || phase != Phase.STARTING) {
            return;
        }
        Duration timeout = supervisor.config().readyTimeout();
        Log.worker(w.generation, w.pid).info("new worker " + w.pid + " did not become ready within " + Supervisor.human(timeout)
                + " (--ready-timeout); stopping it");
        supervisor.stop(w, Signals.SIGTERM, Supervisor.KILL_NOT_READY_AFTER);
        failed("generation " + w.generation + " (pid " + w.pid + ") did not become ready within " + Supervisor.human(timeout));
    }

    /**
     * Ready: the new generation serves; the older ones are retired after --kill-old-delay and, when its READY=1
     * announced a warm-up, once it is warm ({@link #warmingUp}).
     */
    private void ready(Worker w, String how, NotifyMessage readyMessage) {
        if (w != worker || phase != Phase.STARTING) {
            return;
        }
        cancelTimers();
        readyNanos = supervisor.loop().nanoTime();
        phase = Phase.DRAINING;
        supervisor.serving(this, w, how);
        List<Worker> old = supervisor.workers().olderThan(generation);
        if (requested() || !old.isEmpty()) {
            Log.worker(w.generation, w.pid).info("new worker is now running, sending " + Signals.name(supervisor.config().signalOnHup()) + " to old workers:"
                    + (old.isEmpty() ? "none" : WorkerTable.pids(old)));
        }
        Duration delay = supervisor.killOldDelay();
        if (!old.isEmpty()) {
            if (readyMessage != null && readyMessage.warmUpMillis() > 0) {
                warmingUp(readyMessage);
            }
            if (delay.isZero()) {
                retireIfNotHeld();
            } else {
                heldForDelay = true;
                Log.info("sleeping " + Supervisor.seconds(delay) + " secs before killing old workers");
                supervisor.loop().schedule(delay, () -> {
                    heldForDelay = false;
                    retireIfNotHeld();
                });
            }
        }
        oldGone();
        supervisor.nextMayStart();
    }

    /**
     * Warming up: the new worker's agent announced with its READY=1 how long the older generations may serve beside
     * it (X_BATON_WARM_UP_MS) while it answers its first requests cold: they keep accepting from the shared socket
     * until it says it is warm (X_BATON_WARM=1, {@link #warm}) or that time has passed, never past --ready-timeout.
     * Only while an older generation serves: a first start or a restart after a crash has nothing to wait for.
     */
    private void warmingUp(NotifyMessage announced) {
        Duration announcedTime = Duration.ofMillis(announced.warmUpMillis());
        Duration readyTimeout = supervisor.config().readyTimeout();
        Duration time = announcedTime.compareTo(readyTimeout) > 0 ? readyTimeout : announcedTime;
        heldForWarmUp = true;
        long requests = announced.warmUpRequests();
        message = "generation " + generation + " warms up; the older generations serve beside it"
                + (requests > 0 ? " until it has answered " + requests + " requests," : "") + " at most " + Supervisor.human(time);
        Log.info(message);
        warmUpOver = supervisor.loop().schedule(time, () -> {
            warmUpOver = null;
            if (heldForWarmUp && phase == Phase.DRAINING) {
                Log.info("generation " + generation + " warmed up for " + Supervisor.human(time)
                        + (requests > 0 ? " without answering " + requests + " requests" : ""));
                released();
            }
        });
    }

    /** The new worker says it is warm: the older generations need not wait for it any longer. */
    private void warm(Worker w, String status) {
        if (w != worker || !heldForWarmUp || phase != Phase.DRAINING) {
            return;
        }
        if (warmUpOver != null) {
            warmUpOver.cancel();
            warmUpOver = null;
        }
        Log.info("generation " + generation + " is warm after " + (supervisor.loop().nanoTime() - readyNanos) / 1_000_000 + " ms"
                + (status != null ? " (" + status + ")" : ""));
        released();
    }

    /**
     * The warm-up is over. If the new worker died meanwhile, the older generations are all that serves: they are
     * left to the restart that follows, whose generation retires them once it is ready. (One superseded by a newer
     * generation is still alive and accepting until that one retires it: retiring the older ones now is safe.)
     */
    private void released() {
        heldForWarmUp = false;
        message = "";
        if (supervisor.workers().get(worker.pid) == worker) {
            retireIfNotHeld();
        }
    }

    private void retireIfNotHeld() {
        if (!heldForWarmUp && !heldForDelay && phase == Phase.DRAINING) {
            retireOld();
        }
    }

    // ---------------------------------------------------------------- retire old → old gone → succeeded

    /** Retire old: --signal-on-hup to every older generation, again to those already told, as start_server does. */
    private void retireOld() {
        supervisor.retire(supervisor.workers().olderThan(generation));
    }

    /** Old gone: called whenever an older worker has exited; the last one makes the reload a success. */
    void oldGone() {
        if (phase == Phase.DRAINING && supervisor.workers().olderThan(generation).isEmpty()) {
            succeeded();
        }
    }

    private void succeeded() {
        finish(Phase.SUCCEEDED, "generation " + generation + " serving");
    }

    // ---------------------------------------------------------------- failed → retry or give up

    /** Failed: this attempt's generation exited, missed --ready-timeout, or could not be spawned. */
    private void failed(String why) {
        cancelTimers();
        supervisor.generationFailed();
        retryOrGiveUp(why);
    }

    private void retryOrGiveUp(String why) {
        Optional<Duration> wait = supervisor.retries().afterFailure(this, supervisor.situation());
        if (wait.isPresent()) {
            retryIn(wait.get(), why);
        } else {
            giveUp(why);
        }
    }

    private void retryIn(Duration delay, String why) {
        if (requested()) {
            Worker serving = supervisor.workers().serving();
            OptionalInt most = supervisor.retries().maxAttempts();
            message = why + "; attempt " + attempts + (most.isPresent() ? " of " + most.getAsInt() : "") + " failed, retrying in "
                    + Supervisor.human(delay) + (serving != null ? "; generation " + serving.generation + " keeps serving" : "");
            event().warn("reload " + id + " attempt " + attempts + " failed: " + why + "; retrying in " + Supervisor.human(delay)
                    + " (" + supervisor.retries().rule() + ")");
            if (serving != null) {
                supervisor.systemd().reloadRetrying(serving.generation);
            }
        } else {
            Log.warn(why + "; starting again");
        }
        startIn(delay);
    }

    /** Waits out {@code delay}, then starts the next attempt (at once if zero). */
    void startIn(Duration delay) {
        if (delay.isZero()) {
            supervisor.attemptDue(this);
            return;
        }
        phase = Phase.RETRYING;
        nextAttemptAt = supervisor.loop().now().plus(delay);
        if (!requested()) {
            Log.warn("worker crash loop: " + supervisor.situation().failuresInARow() + " failures in a row; next start in "
                    + Supervisor.human(delay));
        }
        nextAttempt = supervisor.loop().schedule(delay, () -> supervisor.attemptDue(this));
    }

    /** The wait is over, or cut short: someone asked again, or nothing serves any more. */
    void retryNow() {
        cancelTimers();
        if (requested() && attempts > 0) {
            supervisor.metrics().reloadRetried();
        }
        start();
    }

    private void giveUp(String why) {
        if (requested()) {
            Worker serving = supervisor.workers().serving();
            String outcome = (attempts > 1 ? " (attempt " + attempts + ", no retry left)" : "")
                    + (serving != null ? "; generation " + serving.generation + " keeps serving" : "");
            finish(Phase.FAILED, why + outcome);
            event().warn("reload " + id + " failed: " + why + outcome);
        } else {
            finish(Phase.FAILED, why);
        }
        supervisor.gaveUp(this, why);
    }

    /** A log event about this reload: its id, and its last attempt's generation and pid. */
    private Log.Event event() {
        Log.Event e = Log.with("reload", id);
        return worker == null ? e : e.with("generation", worker.generation).with("pid", worker.pid);
    }

    /** The supervisor shuts down, or a newer request takes this restart's place: it ends here, failed. */
    void abandon(String why) {
        cancelTimers();
        if (!finished()) {
            finish(Phase.FAILED, why);
        }
    }

    private void finish(Phase end, String text) {
        phase = end;
        message = text;
        doneNanos = supervisor.loop().nanoTime();
        finishedAt = supervisor.loop().now();
        supervisor.finished(this);
    }

    private void cancelTimers() {
        for (EventLoop.Timer timer : new EventLoop.Timer[] {intervalRule, readyDeadline, nextAttempt, warmUpOver}) {
            if (timer != null) {
                timer.cancel();
            }
        }
        intervalRule = null;
        readyDeadline = null;
        nextAttempt = null;
        warmUpOver = null;
    }

    // ---------------------------------------------------------------- reading

    Phase phase() {
        return phase;
    }

    boolean requested() {
        return kind == Kind.REQUESTED;
    }

    boolean finished() {
        return phase == Phase.SUCCEEDED || phase == Phase.FAILED;
    }

    int attempts() {
        return attempts;
    }

    int generation() {
        return generation;
    }

    /** Time since the latest attempt started (its spawn). */
    Duration sinceAttempt() {
        return Duration.ofNanos(supervisor.loop().nanoTime() - attemptNanos);
    }

    /** Seconds from request to the last older worker gone. */
    double seconds() {
        return (doneNanos - requestedNanos) / 1e9;
    }

    ReloadView view() {
        return new ReloadView(id, trigger, phase.name().toLowerCase(Locale.ROOT), generation, message,
                requestedAt, finishedAt, attempts, phase == Phase.RETRYING ? nextAttemptAt : null,
                readyNanos == 0 ? -1 : (readyNanos - requestedNanos) / 1_000_000,
                doneNanos == 0 ? -1 : (doneNanos - requestedNanos) / 1_000_000);
    }
}
