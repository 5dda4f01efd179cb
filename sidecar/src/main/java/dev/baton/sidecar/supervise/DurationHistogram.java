package dev.baton.sidecar.supervise;

import java.util.Arrays;

/**
 * A fixed-bucket histogram of durations in seconds (Prometheus style: cumulative buckets, sum,
 * count). Fixed buckets keep memory flat however many reloads happen.
 */
public final class DurationHistogram {
    public static final double[] BOUNDS = {0.25, 0.5, 1, 2, 5, 10, 30, 60, 120};

    private final long[] counts;
    private double sum;
    private long count;

    public DurationHistogram() {
        this.counts = new long[BOUNDS.length];
    }

    private DurationHistogram(long[] counts, double sum, long count) {
        this.counts = counts;
        this.sum = sum;
        this.count = count;
    }

    public void record(double seconds) {
        for (int i = 0; i < BOUNDS.length; i++) {
            if (seconds <= BOUNDS[i]) {
                counts[i]++;
            }
        }
        sum += seconds;
        count++;
    }

    /** Cumulative count of observations at or below {@code BOUNDS[i]}. */
    public long cumulative(int i) {
        return counts[i];
    }

    public double sum() {
        return sum;
    }

    public long count() {
        return count;
    }

    public DurationHistogram copy() {
        return new DurationHistogram(Arrays.copyOf(counts, counts.length), sum, count);
    }
}
