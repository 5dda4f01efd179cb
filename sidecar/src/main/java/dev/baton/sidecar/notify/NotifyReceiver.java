package dev.baton.sidecar.notify;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

import dev.baton.sidecar.posix.LibC;
import dev.baton.sidecar.posix.Posix;
import dev.baton.sidecar.posix.PosixException;
import jnr.ffi.Pointer;

/**
 * Reads sd_notify datagrams ({@code READY=1}, {@code STATUS=…}) from every registered endpoint on
 * one daemon thread blocked in poll(2), and hands each message to a callback with the key the
 * endpoint was registered under. A self-pipe wakes the poll when endpoints change.
 */
public final class NotifyReceiver<K> implements AutoCloseable {
    private static final int MAX_DATAGRAM = 4096;

    private final Map<NotifyEndpoint, K> endpoints = new ConcurrentHashMap<>();
    private final BiConsumer<K, NotifyMessage> onMessage;
    private final int wakeRead;
    private final int wakeWrite;
    private final Thread thread;
    private volatile boolean running = true;

    public NotifyReceiver(BiConsumer<K, NotifyMessage> onMessage) throws PosixException {
        this.onMessage = onMessage;
        int[] pipe = new int[2];
        Posix.check(Posix.libc().pipe2(pipe, Posix.O_CLOEXEC | Posix.O_NONBLOCK), "pipe2");
        this.wakeRead = pipe[0];
        this.wakeWrite = pipe[1];
        this.thread = new Thread(this::run, "baton-notify");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    public void register(NotifyEndpoint endpoint, K key) {
        endpoints.put(endpoint, key);
        wake();
    }

    /** Stops reading from the endpoint; the caller closes it. */
    public void unregister(NotifyEndpoint endpoint) {
        endpoints.remove(endpoint);
        wake();
    }

    @Override
    public void close() {
        running = false;
        wake();
    }

    private void wake() {
        Pointer one = Posix.allocate(1);
        Posix.libc().write(wakeWrite, one, 1);
    }

    private void run() {
        LibC c = Posix.libc();
        Pointer buffer = Posix.allocate(MAX_DATAGRAM);
        while (running) {
            List<NotifyEndpoint> watched = new ArrayList<>(endpoints.keySet());
            Pointer pollFds = Posix.allocate(8 * (watched.size() + 1));
            pollFds.putInt(0, wakeRead);
            pollFds.putShort(4, Posix.POLLIN);
            for (int i = 0; i < watched.size(); i++) {
                pollFds.putInt(8L * (i + 1), watched.get(i).serverFd());
                pollFds.putShort(8L * (i + 1) + 4, Posix.POLLIN);
            }
            int ready = c.poll(pollFds, watched.size() + 1, -1);
            if (ready <= 0) {
                continue; // EINTR
            }
            if (pollFds.getShort(6) != 0) {
                while (c.read(wakeRead, buffer, MAX_DATAGRAM) > 0) {
                    // drain the wake-ups
                }
            }
            for (int i = 0; i < watched.size(); i++) {
                if (pollFds.getShort(8L * (i + 1) + 6) == 0) {
                    continue;
                }
                NotifyEndpoint endpoint = watched.get(i);
                K key = endpoints.get(endpoint);
                long n = c.recv(endpoint.serverFd(), buffer, MAX_DATAGRAM, 0x40 /* MSG_DONTWAIT */);
                if (n > 0 && key != null) {
                    byte[] bytes = new byte[(int) n];
                    buffer.get(0, bytes, 0, bytes.length);
                    onMessage.accept(key, NotifyMessage.parse(new String(bytes, StandardCharsets.UTF_8)));
                } else if (n < 0 && Posix.errno() != Posix.EAGAIN) {
                    endpoints.remove(endpoint); // a broken socket must not spin the poll loop
                }
            }
        }
        Posix.closeQuietly(wakeRead);
        Posix.closeQuietly(wakeWrite);
    }
}
