package dev.baton.sidecar.jvmcache;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.baton.sidecar.Log;
import dev.baton.sidecar.posix.LibC;
import dev.baton.sidecar.posix.Posix;
import dev.baton.sidecar.posix.Signals;
import dev.baton.sidecar.spawn.ExitStatus;
import dev.baton.sidecar.spawn.SpawnException;
import dev.baton.sidecar.spawn.Spawner;

/**
 * The cache's background work: one thread at nice 19, whose jobs run one after another, and whose processes
 * (a build, a check) are spawned from it and so start at nice 19 too, every thread of theirs included (on
 * Linux a nice value belongs to a thread, and a child inherits its parent thread's): they take the CPU the
 * workers leave. The supervisor's reaper reaps them ({@code waitpid(-1)}); {@link #exited} hears of it.
 */
final class BuildProcesses {
    private static final int NICE = 19;

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "baton-jvm-cache");
        t.setDaemon(true);
        return t;
    });
    /** By pid: spawned and not yet reaped. Spawn and registration happen under the same lock as {@link #exited}. */
    private final Map<Integer, CompletableFuture<ExitStatus>> running = new HashMap<>();
    private volatile boolean closed;

    BuildProcesses() {
        thread.execute(BuildProcesses::lowerOwnPriority);
    }

    private static void lowerOwnPriority() {
        try {
            LibC c = Posix.libc();
            if (c.setpriority(Posix.PRIO_PROCESS, c.gettid(), NICE) < 0) {
                Log.info("jvm cache: cannot lower the priority of its builds (" + Posix.describe(Posix.errno())
                        + "); they run at the supervisor's");
            }
        } catch (UnsatisfiedLinkError oldLibc) {
            Log.info("jvm cache: this libc has no gettid(); the builds run at the supervisor's priority");
        }
    }

    /** Runs {@code job} in the background, after those before it; false once closed. */
    boolean submit(Runnable job) {
        try {
            thread.execute(job);
            return true;
        } catch (RejectedExecutionException closedAlready) {
            return false;
        }
    }

    /**
     * Runs {@code argv} in {@code directory} with stdin from /dev/null and its output into {@code log}, and
     * waits until it exits (killed after {@code timeout}). Background thread only.
     *
     * @throws InterruptedException when the supervisor closes meanwhile (the process is killed)
     */
    ExitStatus run(List<String> argv, Map<String, String> env, Path directory, Path log, Duration timeout)
            throws IOException, InterruptedException {
        LibC c = Posix.libc();
        int out = Posix.check(c.open(log.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_TRUNC | Posix.O_CLOEXEC, 0600),
                "open " + log);
        int in = -1;
        CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
        int pid;
        try {
            in = Posix.check(c.open("/dev/null", Posix.O_RDONLY | Posix.O_CLOEXEC, 0), "open /dev/null");
            synchronized (this) {
                if (closed) {
                    throw new InterruptedException("closed");
                }
                pid = Spawner.spawn(new Spawner.SpawnSpec(argv, env,
                        List.of(new Spawner.FdMapping(in, 0), new Spawner.FdMapping(out, 1), new Spawner.FdMapping(out, 2)),
                        directory, false));
                running.put(pid, exit);
            }
        } catch (SpawnException e) {
            throw new IOException(e.getMessage(), e);
        } finally {
            Posix.closeQuietly(in);
            Posix.closeQuietly(out);
        }
        try {
            return exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            c.kill(pid, Signals.SIGKILL);
            throw new IOException(argv.get(0) + " took longer than " + timeout.toMinutes() + " min; killed");
        } catch (InterruptedException e) {
            c.kill(pid, Signals.SIGKILL);
            throw e;
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    /** A child exited: true if it was one of these. Any thread (the supervisor's loop). */
    synchronized boolean exited(int pid, ExitStatus status) {
        CompletableFuture<ExitStatus> exit = running.remove(pid);
        if (exit == null) {
            return false;
        }
        exit.complete(status);
        return true;
    }

    /** Kills what runs and stops the thread. */
    void close() {
        synchronized (this) {
            closed = true;
            running.keySet().forEach(pid -> Posix.libc().kill(pid, Signals.SIGKILL));
        }
        thread.shutdownNow();
    }

    boolean closed() {
        return closed;
    }
}
