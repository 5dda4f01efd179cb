package dev.baton.sidecar.testing;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Client threads that send {@code GET path} to 127.0.0.1:port in a loop, one connection per request
 * (the echo worker speaks HTTP/1.0), until closed. Every request is counted: answered (by which
 * worker pid), or failed — refused (nothing listened: the worst case, a supervisor must never let it
 * happen), reset / cut short (the worker holding it died), or other.
 */
public final class Load implements AutoCloseable {
    /** A request that started at {@code startedNanos} and was answered by {@code pid}. */
    public record Answer(String pid, long startedNanos) {
    }

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final Map<String, LongAdder> servedByPid = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> refused = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> broken = new ConcurrentLinkedQueue<>();

    private Load(int port, String path, int clients) {
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(() -> {
                while (running.get()) {
                    long started = System.nanoTime();
                    try {
                        String body = Http.body(port, path);
                        String pid = body.substring(0, body.indexOf(':'));
                        servedByPid.computeIfAbsent(pid, p -> new LongAdder()).increment();
                        answers.add(new Answer(pid, started));
                    } catch (ConnectException e) {
                        refused.add(e.toString());
                    } catch (SocketException e) {
                        broken.add(e.toString()); // "Connection reset"
                    } catch (IOException | RuntimeException e) {
                        broken.add(e.toString()); // an empty or truncated response: the worker died mid-answer
                    }
                }
            }, "load-" + i);
            t.start();
            threads.add(t);
        }
    }

    public static Load start(int port, String path, int clients) {
        return new Load(port, path, clients);
    }

    public long answered() {
        return servedByPid.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public long answeredBy(String pid) {
        LongAdder n = servedByPid.get(pid);
        return n == null ? 0 : n.sum();
    }

    /** Requests sent before {@code nanos} and answered by {@code pid}: they waited through whatever happened then. */
    public long answeredBySentBefore(String pid, long nanos) {
        return answers.stream().filter(a -> a.pid().equals(pid) && a.startedNanos() - nanos < 0).count();
    }

    public List<String> refused() {
        return List.copyOf(refused);
    }

    public List<String> broken() {
        return List.copyOf(broken);
    }

    /** Every failure, refused or broken. */
    public List<String> failures() {
        List<String> all = new ArrayList<>(refused);
        all.addAll(broken);
        return all;
    }

    /** Stops the clients and waits for their last requests. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(60_000);
        }
    }

    @Override
    public String toString() {
        return "answered " + answered() + " " + servedByPid + ", refused " + refused.size() + ", broken " + broken.size()
                + (failures().isEmpty() ? "" : " " + failures().stream().limit(5).toList());
    }
}
