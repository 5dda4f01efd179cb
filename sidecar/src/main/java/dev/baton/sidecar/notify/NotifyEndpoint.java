package dev.baton.sidecar.notify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.baton.sidecar.listen.SocketAddresses;
import dev.baton.sidecar.posix.LibC;
import dev.baton.sidecar.posix.Posix;
import dev.baton.sidecar.posix.PosixException;
import jnr.ffi.Pointer;

/**
 * One worker's readiness channel: an AF_UNIX datagram socket bound at {@link #path()} (the worker's
 * {@code NOTIFY_SOCKET}, systemd's sd_notify protocol), plus a datagram socket already connected to
 * it ({@link #clientFd()}) that the worker inherits as {@code BATON_NOTIFY_FD} — Java cannot open
 * Unix datagram sockets, but it can write(2) to an inherited one.
 */
public final class NotifyEndpoint implements AutoCloseable {
    private final Path path;
    private final int serverFd;
    private int clientFd;

    private NotifyEndpoint(Path path, int serverFd, int clientFd) {
        this.path = path;
        this.serverFd = serverFd;
        this.clientFd = clientFd;
    }

    public static NotifyEndpoint open(Path path) throws IOException {
        LibC c = Posix.libc();
        Files.deleteIfExists(path);
        int server = -1;
        int client = -1;
        try {
            server = Posix.check(c.socket(Posix.AF_UNIX, Posix.SOCK_DGRAM | Posix.SOCK_CLOEXEC, 0), "socket");
            Pointer sa = SocketAddresses.unix(path.toString());
            Posix.check(c.bind(server, sa, (int) sa.size()), "bind " + path);
            client = Posix.check(c.socket(Posix.AF_UNIX, Posix.SOCK_DGRAM | Posix.SOCK_CLOEXEC, 0), "socket");
            Posix.check(c.connect(client, sa, (int) sa.size()), "connect " + path);
            return new NotifyEndpoint(path, server, client);
        } catch (PosixException e) {
            Posix.closeQuietly(server);
            Posix.closeQuietly(client);
            Files.deleteIfExists(path);
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    int serverFd() {
        return serverFd;
    }

    public int clientFd() {
        return clientFd;
    }

    /** The supervisor's copy of the worker's end is not needed once the worker holds its own. */
    public void releaseClient() {
        Posix.closeQuietly(clientFd);
        clientFd = -1;
    }

    @Override
    public void close() {
        releaseClient();
        Posix.closeQuietly(serverFd);
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the runtime directory is removed as a whole at exit
        }
    }
}
