package dev.baton.sidecar.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.baton.sidecar.posix.LibC;
import dev.baton.sidecar.posix.Posix;
import dev.baton.sidecar.posix.PosixException;
import jnr.ffi.Pointer;

/**
 * The supervisor's pid file, locked with flock(2) for the supervisor's whole life.
 *
 * <p>flock, not {@code FileChannel.lock()} (fcntl locks): Perl's {@code start_server --stop} sends
 * TERM and then blocks in flock(LOCK_EX) on this file until we exit, and fcntl locks do not block
 * flock. A pid file whose lock is free is stale (its supervisor died) and is taken over.
 */
public final class PidFile implements AutoCloseable {
    private final Path path;
    private final int fd;

    private PidFile(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /** Creates, locks and fills the pid file, or explains in one line why it cannot. */
    public static PidFile acquire(Path path, int pid) throws IOException {
        LibC c = Posix.libc();
        int fd = c.open(path.toString(), Posix.O_RDWR | Posix.O_CREAT | Posix.O_CLOEXEC, 0644);
        if (fd < 0) {
            int errno = Posix.errno();
            throw new IOException("cannot open pid file " + path + ": " + Posix.describe(errno)
                    + " (check that its directory exists and is writable)");
        }
        if (c.flock(fd, Posix.LOCK_EX | Posix.LOCK_NB) < 0) {
            int errno = Posix.errno();
            c.close(fd);
            if (errno == Posix.EAGAIN) {
                String holder = readPid(path);
                throw new IOException("pid file " + path + " is locked by a running supervisor"
                        + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                        + "; stop it first (start_server --stop --pid-file=" + path + ") or use another --pid-file");
            }
            throw new IOException("cannot lock pid file " + path + ": " + Posix.describe(errno));
        }
        try {
            Posix.check(c.ftruncate(fd, 0), "ftruncate");
            byte[] text = (pid + "\n").getBytes(StandardCharsets.US_ASCII);
            Pointer buffer = Posix.allocate(text.length);
            buffer.put(0, text, 0, text.length);
            Posix.check(c.write(fd, buffer, text.length), "write");
        } catch (PosixException e) {
            c.close(fd);
            throw new IOException("cannot write pid file " + path + ": " + e.reason(), e);
        }
        return new PidFile(path, fd);
    }

    /** The pid written in a pid file, or "" if it cannot be read. */
    public static String readPid(Path path) {
        try {
            return Files.readString(path, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Blocks until nobody holds the pid file's lock — the moment its supervisor has exited. This is
     * what {@code --stop} waits on, exactly like Perl's stop_server.
     */
    public static void awaitRelease(Path path) throws IOException {
        LibC c = Posix.libc();
        int fd = c.open(path.toString(), Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
        if (fd < 0) {
            return; // already removed: the supervisor is gone
        }
        try {
            while (c.flock(fd, Posix.LOCK_EX) < 0) {
                int errno = Posix.errno();
                if (errno != Posix.EINTR) {
                    throw new IOException("cannot wait on pid file " + path + ": " + Posix.describe(errno));
                }
            }
        } finally {
            c.close(fd);
        }
    }

    public Path path() {
        return path;
    }

    /**
     * Removes the file but keeps the locked descriptor open: the kernel releases the lock when this
     * process is gone, so {@code --stop} (ours or Perl's, both blocked in flock) returns only after
     * the supervisor has really exited, not while its JVM is still shutting down.
     */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            System.err.println("failed to unlink file:" + path + ":" + e.getMessage());
        }
    }
}
