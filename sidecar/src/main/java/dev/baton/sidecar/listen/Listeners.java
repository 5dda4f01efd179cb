package dev.baton.sidecar.listen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.stream.Collectors;

import dev.baton.sidecar.posix.LibC;
import dev.baton.sidecar.posix.Posix;
import dev.baton.sidecar.posix.PosixException;
import jnr.ffi.Pointer;

/**
 * Opens the listening sockets, the way start_server does (SO_REUSEADDR, IPV6_V6ONLY for IPv6,
 * {@code listen(backlog)}, Unix sockets world-accessible), and holds them until {@link #close()}.
 */
public final class Listeners implements AutoCloseable {
    /** Supervisor-side fds live at or above this, so they never collide with the workers' 3, 4, 5… */
    private static final int SUPERVISOR_FD_FLOOR = 100;

    private final List<Listener> listeners;

    private Listeners(List<Listener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    /**
     * Opens every socket or none: on failure the ones already opened are closed (and Unix socket
     * files removed) before the exception, which names the socket and the fix, is thrown.
     */
    public static Listeners open(List<ListenSpec> specs, int backlog) throws ListenException {
        List<Listener> opened = new ArrayList<>();
        BitSet taken = new BitSet();
        specs.forEach(s -> s.fixedFd().ifPresent(taken::set));
        int nextWorkerFd = 3;
        try {
            for (ListenSpec spec : specs) {
                int workerFd;
                if (spec.fixedFd().isPresent()) {
                    workerFd = spec.fixedFd().getAsInt();
                } else {
                    while (taken.get(nextWorkerFd)) {
                        nextWorkerFd++;
                    }
                    workerFd = nextWorkerFd++;
                }
                opened.add(new Listener(spec, openOne(spec, backlog), workerFd));
            }
        } catch (ListenException e) {
            new Listeners(opened).close();
            throw e;
        }
        return new Listeners(opened);
    }

    public List<Listener> all() {
        return listeners;
    }

    /** The exact {@code SERVER_STARTER_PORT} value: entries joined by ';' (empty when there are none). */
    public String serverStarterPort() {
        return listeners.stream().map(Listener::envEntry).collect(Collectors.joining(";"));
    }

    /** The lowest fd number above every worker-side listener fd. */
    public int firstFreeWorkerFd() {
        return listeners.stream().mapToInt(Listener::workerFd).max().orElse(2) + 1;
    }

    @Override
    public void close() {
        for (Listener l : listeners) {
            Posix.closeQuietly(l.fd());
            if (l.spec().kind() == ListenSpec.Kind.UNIX) {
                removeSocketFile(Path.of(l.spec().path()));
            }
        }
    }

    private static int openOne(ListenSpec spec, int backlog) throws ListenException {
        return spec.kind() == ListenSpec.Kind.UNIX ? openUnix(spec, backlog) : openInet(spec, backlog);
    }

    private static int openInet(ListenSpec spec, int backlog) throws ListenException {
        LibC c = Posix.libc();
        boolean v6 = spec.isIpv6();
        byte[] address = resolve(spec);
        int type = (spec.udp() ? Posix.SOCK_DGRAM : Posix.SOCK_STREAM) | Posix.SOCK_CLOEXEC;
        int fd = -1;
        try {
            fd = Posix.check(c.socket(v6 ? Posix.AF_INET6 : Posix.AF_INET, type, 0), "socket");
            setIntOption(fd, Posix.SOL_SOCKET, Posix.SO_REUSEADDR, 1);
            if (v6) {
                setIntOption(fd, Posix.IPPROTO_IPV6, Posix.IPV6_V6ONLY, 1);
            }
            Pointer sa = v6 ? SocketAddresses.inet6(address, spec.port()) : SocketAddresses.inet4(address, spec.port());
            Posix.check(c.bind(fd, sa, (int) sa.size()), "bind");
            if (!spec.udp()) {
                Posix.check(c.listen(fd, backlog), "listen");
            }
            return moveAboveWorkerRange(fd);
        } catch (PosixException e) {
            Posix.closeQuietly(fd);
            throw new ListenException("cannot listen on " + spec.describe() + ": " + e.reason() + hint(e), e);
        }
    }

    private static int openUnix(ListenSpec spec, int backlog) throws ListenException {
        Path path = Path.of(spec.path());
        removeStaleSocketFile(spec, path);
        LibC c = Posix.libc();
        int fd = -1;
        int savedUmask = c.umask(0); // like start_server: the socket file is reachable by any local user
        try {
            fd = Posix.check(c.socket(Posix.AF_UNIX, Posix.SOCK_STREAM | Posix.SOCK_CLOEXEC, 0), "socket");
            Pointer sa = SocketAddresses.unix(spec.path());
            Posix.check(c.bind(fd, sa, (int) sa.size()), "bind");
            Posix.check(c.listen(fd, backlog), "listen");
            return moveAboveWorkerRange(fd);
        } catch (PosixException e) {
            Posix.closeQuietly(fd);
            throw new ListenException("cannot listen on " + spec.path() + ": " + e.reason()
                    + " (check that the directory exists and is writable)", e);
        } finally {
            c.umask(savedUmask);
        }
    }

    /**
     * A socket file left by a supervisor that died is removed (start_server does the same); one that
     * still accepts connections belongs to a live server and is an error, not something to steal.
     */
    private static void removeStaleSocketFile(ListenSpec spec, Path path) throws ListenException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException absent) {
            return;
        }
        if (!attributes.isOther()) {
            throw new ListenException("cannot listen on " + spec.path()
                    + ": a file that is not a socket is in the way; remove it or choose another --path", null);
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new ListenException("cannot listen on " + spec.path()
                    + ": another process is accepting connections on it; stop it or choose another --path", null);
        } catch (IOException refused) {
            System.err.println("removing existing socket file:" + spec.path());
            removeSocketFile(path);
        }
    }

    private static void removeSocketFile(Path path) {
        try {
            if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(path)) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove socket file " + path, e);
        }
    }

    private static byte[] resolve(ListenSpec spec) throws ListenException {
        if (spec.host() == null) {
            return new byte[4]; // 0.0.0.0: a bare port binds IPv4 only, for compatibility with start_server
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(spec.host())) {
                if (spec.isIpv6() ? a instanceof Inet6Address : a instanceof Inet4Address) {
                    return a.getAddress();
                }
            }
        } catch (UnknownHostException e) {
            // reported below
        }
        throw new ListenException("cannot listen on " + spec.envSpec() + ": cannot resolve host '" + spec.host()
                + "' to an " + (spec.isIpv6() ? "IPv6" : "IPv4") + " address; use an IP address or a name in /etc/hosts", null);
    }

    private static String hint(PosixException e) {
        return switch (e.errno()) {
            case 98 -> " (another process is listening there: stop it or choose another --port)";
            case 13 -> " (ports below 1024 need root or CAP_NET_BIND_SERVICE: use a higher --port or grant the capability)";
            case 99 -> " (that address is not assigned to this host: use one of its addresses or omit the host)";
            default -> "";
        };
    }

    private static void setIntOption(int fd, int level, int name, int value) throws PosixException {
        Pointer v = Posix.allocate(4);
        v.putInt(0, value);
        Posix.check(Posix.libc().setsockopt(fd, level, name, v, 4), "setsockopt");
    }

    private static int moveAboveWorkerRange(int fd) throws PosixException {
        if (fd >= SUPERVISOR_FD_FLOOR) {
            return fd;
        }
        int moved = Posix.check(Posix.libc().fcntl(fd, Posix.F_DUPFD_CLOEXEC, SUPERVISOR_FD_FLOOR), "fcntl(F_DUPFD_CLOEXEC)");
        Posix.libc().close(fd);
        return moved;
    }

}
