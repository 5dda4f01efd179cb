package dev.baton.agent.it;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Light, steady traffic while the supervisor replaces workers: one keep-alive client and one
 * connection-per-request client (on a Unix-domain socket: two of those), each sending a request every
 * few milliseconds. Bounded: it stops when told or after five minutes.
 */
final class Load implements AutoCloseable {

  /** One request; returns the pid that answered, or throws. */
  interface Client {
    long get() throws Exception;
  }

  private final Set<Long> pids = ConcurrentHashMap.newKeySet();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final AtomicInteger successes = new AtomicInteger();
  private final List<Thread> threads;
  private volatile boolean running = true;
  private final long deadline = System.nanoTime() + 300_000_000_000L;

  Load(int port) {
    this(tcpClients(port));
  }

  /** Two connection-per-request clients on a Unix-domain socket (no keep-alive client: the JDK has none). */
  static Load overUnixSocket(Path socket) {
    Client close = () -> Http.closeGet(socket, "/");
    return new Load(Map.of("close", close, "close-2", close));
  }

  private Load(Map<String, Client> clients) {
    this.threads = clients.entrySet().stream()
        .map(client -> new Thread(() -> run(client.getKey(), client.getValue()), client.getKey() + "-client"))
        .toList();
    threads.forEach(Thread::start);
  }

  private static Map<String, Client> tcpClients(int port) {
    Http http = new Http();
    return Map.of("keep-alive", () -> http.keepAliveGet(port, "/"), "close", () -> Http.closeGet(port, "/"));
  }

  private void run(String name, Client client) {
    while (running && System.nanoTime() < deadline) {
      try {
        pids.add(client.get());
        successes.incrementAndGet();
      } catch (Exception e) {
        failures.add(name + ": " + e);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  Set<Long> pids() {
    return Set.copyOf(pids);
  }

  List<String> failures() {
    return List.copyOf(failures);
  }

  int successes() {
    return successes.get();
  }

  @Override
  public void close() {
    running = false;
    for (Thread thread : threads) {
      try {
        thread.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
