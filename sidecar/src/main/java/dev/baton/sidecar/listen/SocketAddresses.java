package dev.baton.sidecar.listen;

import java.nio.charset.StandardCharsets;

import dev.baton.sidecar.posix.Posix;
import jnr.ffi.Pointer;

/** Builds Linux {@code sockaddr_in}, {@code sockaddr_in6} and {@code sockaddr_un} structures. */
public final class SocketAddresses {
    private SocketAddresses() {
    }

    public static Pointer inet4(byte[] address, int port) {
        Pointer sa = Posix.allocate(16);
        sa.putShort(0, (short) Posix.AF_INET); // sa_family in host order
        putPort(sa, port);
        sa.put(4, address, 0, 4);
        return sa;
    }

    public static Pointer inet6(byte[] address, int port) {
        Pointer sa = Posix.allocate(28);
        sa.putShort(0, (short) Posix.AF_INET6);
        putPort(sa, port);
        sa.put(8, address, 0, 16); // after the 4-byte flowinfo; scope id stays 0
        return sa;
    }

    public static Pointer unix(String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 107) {
            throw new IllegalArgumentException("Unix socket path longer than 107 bytes: " + path);
        }
        Pointer sa = Posix.allocate(2 + bytes.length + 1);
        sa.putShort(0, (short) Posix.AF_UNIX);
        sa.put(2, bytes, 0, bytes.length);
        sa.putByte(2 + bytes.length, (byte) 0);
        return sa;
    }

    private static void putPort(Pointer sa, int port) {
        sa.putByte(2, (byte) (port >>> 8)); // network byte order
        sa.putByte(3, (byte) port);
    }
}
