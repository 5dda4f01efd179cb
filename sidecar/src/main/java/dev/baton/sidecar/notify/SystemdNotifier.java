package dev.baton.sidecar.notify;

import java.nio.charset.StandardCharsets;

import dev.baton.sidecar.listen.SocketAddresses;
import dev.baton.sidecar.posix.LibC;
import dev.baton.sidecar.posix.Posix;
import jnr.ffi.Pointer;

/**
 * Speaks sd_notify to whoever started {@code baton} (systemd with {@code Type=notify}, or another
 * baton): {@code READY=1} once the first worker serves, {@code RELOADING=1} … {@code READY=1}
 * around reloads, {@code STOPPING=1} on shutdown, {@code STATUS=} lines. Silent when the
 * supervisor's own environment has no {@code NOTIFY_SOCKET}; failures are never fatal.
 *
 * <p>{@link #reloading} stamps {@code RELOADING=1} with {@code MONOTONIC_USEC}, which makes baton a
 * {@code Type=notify-reload} service (systemd 253+): systemd sends SIGHUP, then holds the reload job
 * until a {@code RELOADING=1} stamped no earlier than its signal, and ends it at the next
 * {@code READY=1}. Older systemd, and {@code Type=notify}, ignore the stamp.
 */
public final class SystemdNotifier {
    private final String socketPath;

    private SystemdNotifier(String socketPath) {
        this.socketPath = socketPath;
    }

    /** A notifier for {@code NOTIFY_SOCKET} (a path, or {@code @name} for the abstract namespace); null if unset. */
    public static SystemdNotifier fromEnvironment(String notifySocket) {
        return notifySocket == null || notifySocket.isEmpty() ? null : new SystemdNotifier(notifySocket);
    }

    /**
     * The message that starts a reload: {@code RELOADING=1} with the {@code CLOCK_MONOTONIC} time in µs
     * (HotSpot's {@link System#nanoTime()} on Linux is {@code clock_gettime(CLOCK_MONOTONIC)}, the clock
     * systemd compares with the time it sent its SIGHUP).
     */
    public static String reloading(String status) {
        return "RELOADING=1\nMONOTONIC_USEC=" + System.nanoTime() / 1000 + "\nSTATUS=" + status;
    }

    /** Sends one datagram of newline-separated {@code KEY=value} assignments. */
    public void send(String message) {
        LibC c = Posix.libc();
        int fd = c.socket(Posix.AF_UNIX, Posix.SOCK_DGRAM | Posix.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return;
        }
        try {
            boolean abstractName = socketPath.startsWith("@");
            Pointer address = SocketAddresses.unix(abstractName ? "\0" + socketPath.substring(1) : socketPath);
            // an abstract name is exactly its bytes: no terminating NUL in the address length
            if (c.connect(fd, address, (int) address.size() - (abstractName ? 1 : 0)) < 0) {
                return;
            }
            byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
            Pointer buffer = Posix.allocate(bytes.length);
            buffer.put(0, bytes, 0, bytes.length);
            c.write(fd, buffer, bytes.length);
        } finally {
            c.close(fd);
        }
    }
}
