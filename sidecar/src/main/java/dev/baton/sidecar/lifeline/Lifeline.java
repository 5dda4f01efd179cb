package dev.baton.sidecar.lifeline;

import dev.baton.sidecar.posix.Posix;
import dev.baton.sidecar.posix.PosixException;

/**
 * Lets workers notice that their supervisor is gone. One pipe for baton's whole life: every worker
 * inherits the read end (as {@code BATON_LIFELINE_FD}); the write end exists only in baton
 * (close-on-exec, never written, never handed to a child). When baton dies in any way, even
 * SIGKILL, the kernel closes that last write end and every worker's read returns end-of-file; there
 * is nothing to poll and no pid to compare (a re-parented orphan's getppid() is only a hint: under a
 * subreaper or in a container it is not 1).
 */
public final class Lifeline implements AutoCloseable {
    /** The variable naming the worker's descriptor. */
    public static final String FD_ENV = "BATON_LIFELINE_FD";

    private final int readFd;
    private final int writeFd;

    private Lifeline(int readFd, int writeFd) {
        this.readFd = readFd;
        this.writeFd = writeFd;
    }

    public static Lifeline open() throws PosixException {
        int[] pipe = new int[2];
        Posix.check(Posix.libc().pipe2(pipe, Posix.O_CLOEXEC), "pipe2 (lifeline)");
        return new Lifeline(pipe[0], pipe[1]);
    }

    /** The end each worker gets, dup'ed to the number in {@link #FD_ENV}. */
    public int readFd() {
        return readFd;
    }

    @Override
    public void close() {
        Posix.closeQuietly(writeFd);
        Posix.closeQuietly(readFd);
    }
}
