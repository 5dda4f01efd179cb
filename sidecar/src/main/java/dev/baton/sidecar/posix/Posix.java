package dev.baton.sidecar.posix;

import java.nio.charset.StandardCharsets;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Access to {@link LibC} plus the Linux constants and small conversions the supervisor uses.
 * Linux-only by design: the values below are those of Linux on x86_64 and aarch64.
 */
public final class Posix {
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_REUSEADDR = 2;
    public static final int IPPROTO_IPV6 = 41;
    public static final int IPV6_V6ONLY = 26;

    public static final int F_GETFD = 1;
    public static final int F_SETFD = 2;
    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int FD_CLOEXEC = 1;

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0x40;
    public static final int O_TRUNC = 0x200;
    public static final int O_APPEND = 0x400;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;

    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
    public static final int WNOHANG = 1;
    public static final int PRIO_PROCESS = 0;
    public static final short POLLIN = 1;

    public static final int EINTR = 4;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;

    public static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    public static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    public static final short POSIX_SPAWN_SETSID = 0x80;

    private static final class Holder {
        static final LibC LIBC = LibraryLoader.create(LibC.class)
                .option(LibraryOption.SaveError, Boolean.TRUE)
                .load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
    }

    private Posix() {
    }

    public static LibC libc() {
        return Holder.LIBC;
    }

    public static Runtime runtime() {
        return Holder.RUNTIME;
    }

    public static int errno() {
        return Holder.RUNTIME.getLastError();
    }

    public static String describe(int errno) {
        String text = libc().strerror(errno);
        return text == null ? "errno " + errno : text;
    }

    /** Throws the current errno as a {@link PosixException} when {@code result} is negative. */
    public static int check(long result, String what) throws PosixException {
        if (result < 0) {
            throw new PosixException(what, errno());
        }
        return (int) result;
    }

    public static Pointer allocate(int bytes) {
        return Memory.allocateDirect(runtime(), bytes, true);
    }

    /** A NUL-terminated C string in native memory. */
    public static Pointer cString(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        Pointer p = allocate(bytes.length + 1);
        p.put(0, bytes, 0, bytes.length);
        p.putByte(bytes.length, (byte) 0);
        return p;
    }

    /**
     * A NULL-terminated {@code char*[]}. The returned array keeps the strings reachable through
     * {@code keepAlive}, which the caller must hold until the native call returns.
     */
    public static Pointer cStringArray(java.util.List<String> values, java.util.List<Pointer> keepAlive) {
        int size = runtime().addressSize();
        Pointer array = allocate((values.size() + 1) * size);
        for (int i = 0; i < values.size(); i++) {
            Pointer s = cString(values.get(i));
            keepAlive.add(s);
            array.putPointer((long) i * size, s);
        }
        array.putAddress((long) values.size() * size, 0L);
        return array;
    }

    public static void setCloseOnExec(int fd, boolean on) throws PosixException {
        int flags = check(libc().fcntl(fd, F_GETFD, 0), "fcntl(F_GETFD)");
        int wanted = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
        if (wanted != flags) {
            check(libc().fcntl(fd, F_SETFD, wanted), "fcntl(F_SETFD)");
        }
    }

    /** Closes quietly: used on cleanup paths where the fd may already be gone. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            libc().close(fd);
        }
    }
}
