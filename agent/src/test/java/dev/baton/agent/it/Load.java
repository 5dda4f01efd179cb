package dev.baton.agent.it;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Light, steady traffic while the supervisor replaces workers: one keep-alive client and one
 * connection-per-request client, each sending a request every few milliseconds. Bounded: it stops when
 * told or after five minutes.
 */
final class Load implements AutoCloseable {

  private final int port;
  private final Http http = new Http();
  private final Set<Long> pids = ConcurrentHashMap.newKeySet();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final AtomicInteger successes = new AtomicInteger();
  private final List<Thread> threads;
  private volatile boolean running = true;
  private final long deadline = System.nanoTime() + 300_000_000_000L;

  Load(int port) {
    this.port = port;
    this.threads = List.of(new Thread(() -> run(true), "keep-alive-client"), new Thread(() -> run(false), "close-client"));
    threads.forEach(Thread::start);
  }

  private void run(boolean keepAlive) {
    while (running && System.nanoTime() < deadline) {
      try {
        long pid = keepAlive ? http.keepAliveGet(port, "/") : Http.closeGet(port, "/");
        pids.add(pid);
        successes.incrementAndGet();
      } catch (Exception e) {
        failures.add((keepAlive ? "keep-alive: " : "close: ") + e);
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
