package dev.baton.testkit.load;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every request of an {@link HttpLoad} run: when it was sent, how long it took, how it ended and which
 * generation and pid answered, for the timeline picture and for tests that ask which worker answered the
 * requests sent before some moment. About 21 bytes a request, kept per client thread without locking (each
 * thread's count is published last, so the requests can be read while the run goes on). ({@code ab -g} writes per-request latencies but start times to the whole second only,
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
   * @param pid the pid that answered (from the sample's body), or -1
   */
  public record Request(long startMicros, long latencyMicros, Outcome outcome, int generation, long pid) {

    public Request(long startMicros, long latencyMicros, Outcome outcome, int generation) {
      this(startMicros, latencyMicros, outcome, generation, -1);
    }

    public long endMicros() {
      return startMicros + latencyMicros;
    }
  }

  private final long originMillis = System.currentTimeMillis();
  private final long originNanos = System.nanoTime();
  private final List<Recorder> recorders = new CopyOnWriteArrayList<>();

  /**
   * One client thread's requests. Only that thread writes; a reader reads {@code size}, then {@code columns}
   * (both volatile): the columns it sees hold at least that many requests, whatever grew since.
   */
  static final class Recorder {
    private volatile Columns columns = new Columns(256);
    private volatile int size;

    void add(long startNanos, long endNanos, Outcome outcome, int generation, long pid) {
      int size = this.size;
      Columns c = columns;
      if (size == c.startNanos.length) {
        c = c.grown();
        columns = c;
      }
      c.startNanos[size] = startNanos;
      c.latencyMicros[size] = (int) Math.min(Integer.MAX_VALUE, (endNanos - startNanos) / 1000);
      c.outcome[size] = (byte) outcome.ordinal();
      c.generation[size] = generation;
      c.pid[size] = (int) pid; // Linux pids fit: pid_max is at most 2^22
      this.size = size + 1;
    }
  }

  /** The requests' fields, one array each. */
  private static final class Columns {
    final long[] startNanos;
    final int[] latencyMicros;
    final byte[] outcome;
    final int[] generation;
    final int[] pid;

    Columns(int n) {
      this(new long[n], new int[n], new byte[n], new int[n], new int[n]);
    }

    private Columns(long[] startNanos, int[] latencyMicros, byte[] outcome, int[] generation, int[] pid) {
      this.startNanos = startNanos;
      this.latencyMicros = latencyMicros;
      this.outcome = outcome;
      this.generation = generation;
      this.pid = pid;
    }

    Columns grown() {
      int n = startNanos.length * 2;
      return new Columns(Arrays.copyOf(startNanos, n), Arrays.copyOf(latencyMicros, n), Arrays.copyOf(outcome, n),
          Arrays.copyOf(generation, n), Arrays.copyOf(pid, n));
    }
  }

  Recorder recorder() {
    Recorder r = new Recorder();
    recorders.add(r);
    return r;
  }

  /** Every request recorded so far, in the order they were sent. */
  public List<Request> requests() {
    List<Request> all = new ArrayList<>();
    Outcome[] outcomes = Outcome.values();
    for (Recorder r : recorders) {
      int size = r.size;
      Columns c = r.columns;
      for (int i = 0; i < size; i++) {
        all.add(new Request(micros(c.startNanos[i]), c.latencyMicros[i], outcomes[c.outcome[i]], c.generation[i],
            c.pid[i]));
      }
    }
    all.sort(Comparator.comparingLong(Request::startMicros));
    return all;
  }

  /** Requests answered by {@code pid} that were sent before {@code nanoTime} ({@link System#nanoTime()}). */
  public long answeredBySentBefore(long pid, long nanoTime) {
    long before = micros(nanoTime);
    return requests().stream().filter(r -> r.pid() == pid && r.outcome() != Outcome.FAILED && r.startMicros() < before)
        .count();
  }

  private long micros(long nanoTime) {
    return originMillis * 1000 + (nanoTime - originNanos) / 1000;
  }
}
