package dev.baton.e2e.load;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every request of an {@link HttpLoad} run: when it was sent, how long it took, how it ended and which
 * generation answered, for the timeline picture. About 17 bytes a request, kept per client thread
 * without locking. ({@code ab -g} writes per-request latencies but start times to the whole second only,
 * and {@code wrk}'s Lua hooks see no latency: neither can draw 100 ms buckets.)
 */
public final class RequestLog {

  /** How a request ended. */
  public enum Outcome { OK, NON_2XX, FAILED }

  /**
   * One request.
   *
   * @param startMicros when it was sent, in microseconds since the epoch
   * @param latencyMicros sent to answered (or to failed)
   * @param generation the generation that answered (from the sample's body), or -1
   */
  public record Request(long startMicros, long latencyMicros, Outcome outcome, int generation) {

    public long endMicros() {
      return startMicros + latencyMicros;
    }
  }

  private final long originMillis = System.currentTimeMillis();
  private final long originNanos = System.nanoTime();
  private final List<Recorder> recorders = new CopyOnWriteArrayList<>();

  /** One client thread's requests. */
  static final class Recorder {
    private long[] startNanos = new long[256];
    private int[] latencyMicros = new int[256];
    private byte[] outcome = new byte[256];
    private int[] generation = new int[256];
    private int size;

    void add(long startNanos, long endNanos, Outcome outcome, int generation) {
      if (size == this.startNanos.length) {
        int n = size * 2;
        this.startNanos = Arrays.copyOf(this.startNanos, n);
        this.latencyMicros = Arrays.copyOf(this.latencyMicros, n);
        this.outcome = Arrays.copyOf(this.outcome, n);
        this.generation = Arrays.copyOf(this.generation, n);
      }
      this.startNanos[size] = startNanos;
      this.latencyMicros[size] = (int) Math.min(Integer.MAX_VALUE, (endNanos - startNanos) / 1000);
      this.outcome[size] = (byte) outcome.ordinal();
      this.generation[size] = generation;
      size++;
    }
  }

  Recorder recorder() {
    Recorder r = new Recorder();
    recorders.add(r);
    return r;
  }

  /** Every request recorded, in the order they were sent. Call once the load has ended. */
  public List<Request> requests() {
    List<Request> all = new ArrayList<>();
    Outcome[] outcomes = Outcome.values();
    for (Recorder r : recorders) {
      for (int i = 0; i < r.size; i++) {
        all.add(new Request(originMillis * 1000 + (r.startNanos[i] - originNanos) / 1000, r.latencyMicros[i],
            outcomes[r.outcome[i]], r.generation[i]));
      }
    }
    all.sort(Comparator.comparingLong(Request::startMicros));
    return all;
  }
}
