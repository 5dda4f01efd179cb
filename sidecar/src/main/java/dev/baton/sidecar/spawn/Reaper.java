package dev.baton.sidecar.spawn;

import java.util.function.BiConsumer;

import dev.baton.sidecar.posix.Posix;
import jnr.ffi.byref.IntByReference;

/**
 * Reaps every child of this process with {@code waitpid(-1)} — workers, and, when the supervisor is
 * PID 1 in a container, orphans the kernel re-parents to it — and reports each exit.
 *
 * <p>One daemon thread blocks in {@code waitpid}; exits are handed to {@code onExit}, which the
 * supervisor points at its event loop. With no child at all {@code waitpid} fails with ECHILD at
 * once, so the thread parks until {@link #childStarted()} (or a short timeout, for adopted orphans).
 */
public final class Reaper {
    private final BiConsumer<Integer, ExitStatus> onExit;
    private final Object childrenChanged = new Object();
    private final Thread thread;
    private volatile boolean running = true;
    private long spawns; // guarded by childrenChanged

    public Reaper(BiConsumer<Integer, ExitStatus> onExit) {
        this.onExit = onExit;
        this.thread = new Thread(this::run, "baton-reaper");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Wakes the reaper after a spawn, so it blocks on the new child instead of sleeping. */
    public void childStarted() {
        synchronized (childrenChanged) {
            spawns++;
            childrenChanged.notifyAll();
        }
    }

    public void stop() {
        running = false;
        childStarted();
    }

    private void run() {
        IntByReference status = new IntByReference();
        while (running) {
            long spawnsBefore;
            synchronized (childrenChanged) {
                spawnsBefore = spawns;
            }
            int pid = Posix.libc().waitpid(-1, status, 0);
            if (pid > 0) {
                onExit.accept(pid, new ExitStatus(status.getValue()));
                continue;
            }
            int errno = Posix.errno();
            if (errno == Posix.EINTR) {
                continue;
            }
            synchronized (childrenChanged) {
                if (spawns != spawnsBefore) {
                    continue; // a child was started while we were looking: wait for it at once
                }
                try {
                    childrenChanged.wait(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
