package dev.baton.sidecar.supervise;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import dev.baton.sidecar.Log;
import dev.baton.sidecar.notify.SystemdReporter;
import dev.baton.sidecar.posix.Signals;

/**
 * How the supervisor ends: on TERM or INT ({@link #signalled}) every worker is told to stop and every pending
 * reload fails; on a fatal failure ({@link #fatal}) the workers are stopped and the exit code is set. Either
 * way the supervisor exits once the last worker is gone ({@link #workerGone}). Loop thread only, but for
 * {@link #await}, {@link #exited} and {@link #exitCode}.
 */
final class Shutdown {
    static final String SHUTTING_DOWN = "the supervisor is shutting down";

    /** What the shutdown asks of the supervisor that owns everything else. */
    interface Steps {
        /** Stops what would start a generation on its own: the auto-restart check, the start gates' re-check. */
        void stopStarting();

        /** Fails every reload not finished yet (the starting one, the queued one, those draining) with {@code why}. */
        void abandonReloads(String why);

        /** Sends {@code signal} to {@code w}; SIGKILL follows after {@code killAfter} when that is set. */
        void stop(Worker w, int signal, Duration killAfter);

        /** The very end: the status file removed, the processes and the JVM cache closed. */
        void close();
    }

    private final int signalOnTerm;
    /** --drain-timeout: null to wait for the workers as long as they take. */
    private final Duration drainTimeout;
    private final SystemdReporter systemd;
    private final WorkerTable workers;
    private final CompletableFuture<Void> started;
    private final Steps steps;
    private final EventLoop loop;
    private final CountDownLatch exited = new CountDownLatch(1);
    /** 0 after TERM/INT; a fatal failure sets it before the shutdown. */
    private volatile int exitCode;
    private boolean underway;

    Shutdown(int signalOnTerm, Duration drainTimeout, SystemdReporter systemd, WorkerTable workers, CompletableFuture<Void> started,
             Steps steps, EventLoop loop) {
        this.signalOnTerm = signalOnTerm;
        this.drainTimeout = drainTimeout;
        this.systemd = systemd;
        this.workers = workers;
        this.started = started;
        this.steps = steps;
        this.loop = loop;
    }

    /** From TERM or INT (or a fatal failure) on: no reload starts, no worker is restarted. */
    boolean underway() {
        return underway;
    }

    /**
     * TERM (or INT): --signal-on-term (TERM for INT) to every worker, --drain-timeout counted anew from now, and every
     * pending reload fails. Asked again, it only says what it still waits for.
     */
    void signalled(int signal) {
        if (underway) {
            Log.info("received " + Signals.name(signal) + " again; still waiting for workers: " + WorkerTable.pids(workers.all()));
            return;
        }
        underway = true;
        systemd.stopping();
        int toWorkers = signal == Signals.SIGTERM ? signalOnTerm : Signals.SIGTERM;
        steps.stopStarting();
        steps.abandonReloads(SHUTTING_DOWN);
        Log.info("received " + Signals.name(signal) + ", sending " + Signals.name(toWorkers) + " to all workers:"
                + WorkerTable.pids(workers.all()));
        for (Worker w : workers.all()) {
            w.cancelKill();
            w.state = WorkerState.DRAINING;
            steps.stop(w, toWorkers, drainTimeout);
        }
        workerGone();
    }

    /** A failure baton cannot go on after (a first start given up on): TERM to every worker, then exit {@code code}. */
    void fatal(int code) {
        underway = true;
        exitCode = code;
        steps.stopStarting();
        for (Worker w : workers.all()) {
            steps.stop(w, Signals.SIGTERM, Supervisor.KILL_NOT_READY_AFTER);
        }
        if (!started.isDone()) {
            started.completeExceptionally(new IllegalStateException("the worker failed to start"));
        }
        workerGone(); // or once the last worker is reaped
    }

    /** A worker was reaped (or none may be left): once the shutdown is underway and none is left, the supervisor exits. */
    void workerGone() {
        if (underway && workers.isEmpty() && exited.getCount() != 0) {
            Log.info("exiting");
            steps.close();
            if (!started.isDone()) {
                started.completeExceptionally(new IllegalStateException("the supervisor stopped before a worker was ready"));
            }
            exited.countDown();
            loop.shutdown();
        }
    }

    /** Blocks until the supervisor has exited; returns the exit code. */
    int await() throws InterruptedException {
        exited.await();
        return exitCode;
    }

    boolean exited() {
        return exited.getCount() == 0;
    }

    int exitCode() {
        return exitCode;
    }
}
