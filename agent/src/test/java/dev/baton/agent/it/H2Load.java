package dev.baton.agent.it;

import java.time.LocalTime;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A few HTTP/2 clients, each with a connection of its own, sending requests back to back (a few ms apart),
 * so a GOAWAY always finds a request being sent. A client told GOAWAY sends its next request on a new
 * connection, as browsers and gRPC clients do. One connection per client rather than Vert.x's multiplexing
 * pool: with the pool, Vert.x 5.0.7's client left about 1 in 3,000 streams unanswered for good against Vert.x
 * and Jetty servers alike, with no agent and no reload. Bounded: stops when told or after five minutes.
 */
final class H2Load implements AutoCloseable {

  private final H2Client client;
  private final Set<String> bodies = ConcurrentHashMap.newKeySet();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final AtomicInteger successes = new AtomicInteger();
  private final AtomicInteger goAways = new AtomicInteger();
  private final List<Thread> loops = new CopyOnWriteArrayList<>();
  private final long deadline = System.nanoTime() + 300_000_000_000L;
  private volatile boolean running = true;

  H2Load(H2Client client, int clients) {
    this.client = client;
    for (int i = 0; i < clients; i++) {
      Thread loop = new Thread(this::run, "h2-load-" + i);
      loops.add(loop);
      loop.start();
    }
  }

  private void run() {
    H2Client.Connection connection = null;
    while (running && System.nanoTime() < deadline) {
      LocalTime sent = LocalTime.now();
      try {
        if (connection == null || !connection.goAways().isEmpty() || connection.isClosed()) {
          if (connection != null && !connection.goAways().isEmpty()) {
            goAways.incrementAndGet();
          }
          connection = client.connect();
        }
        String response = connection.get("/").get(20, TimeUnit.SECONDS).response();
        if (response.startsWith("200 HTTP_2 pid:")) {
          bodies.add(response.substring("200 HTTP_2 ".length()).trim());
          successes.incrementAndGet();
        } else {
          failures.add("sent at " + sent + ": unexpected " + response);
        }
      } catch (Exception e) {
        failures.add("sent at " + sent + ": " + (e.getCause() != null ? e.getCause() : e));
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** The {@code pid:N} bodies seen: one per worker that answered. */
  Set<String> bodies() {
    return Set.copyOf(bodies);
  }

  List<String> failures() {
    return List.copyOf(failures);
  }

  int successes() {
    return successes.get();
  }

  /** How many times a client left a connection because the server said GOAWAY on it. */
  int goAways() {
    return goAways.get();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread loop : loops) {
      loop.join(30_000);
    }
  }
}
