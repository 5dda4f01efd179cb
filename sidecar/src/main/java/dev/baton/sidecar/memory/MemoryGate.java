package dev.baton.sidecar.memory;

import java.io.IOException;
import java.time.Duration;
import java.util.OptionalLong;

import dev.baton.sidecar.Log;
import dev.baton.sidecar.gate.LiveGenerations;
import dev.baton.sidecar.gate.StartGate;
import dev.baton.sidecar.gate.Verdict;
import dev.baton.sidecar.gate.WaitBound;

/**
 * Starts a generation only if it fits in the container's memory beside everything already there:
 * <pre>
 *   working set now + estimate of one generation + margin  ≤  limit
 * </pre>
 * The working set (cgroup usage minus inactive page cache, {@link CgroupMemory#workingSet()}) already
 * holds {@code baton}, the serving generation and any draining one. The estimate is
 * {@code --generation-memory} when given, else the largest peak private memory measured so far of any
 * serving generation ({@link ProcessMemory}): a new generation grows, under the same load, to what the
 * serving one reached, and a generation restarted after a crash has not reached it yet, so the largest
 * seen is kept. The margin is {@link MemoryMargin}.
 *
 * <p>When it does not fit and older generations are still draining, the reload waits for them to exit
 * (their memory is given back then); with none left to wait for, it is refused at once: waiting would
 * not change the answer. Without a limit (none set, or no memory cgroup) every generation may start.
 */
public final class MemoryGate implements StartGate {
    private static final Duration STATUS_MEASURE_EVERY = Duration.ofSeconds(10);

    /** What {@code --generation-memory} says: measure the serving generation, use a fixed size, or no gate. */
    public record GenerationSize(boolean off, OptionalLong fixedBytes) {
        public static final GenerationSize AUTO = new GenerationSize(false, OptionalLong.empty());
        public static final GenerationSize OFF = new GenerationSize(true, OptionalLong.empty());

        public static GenerationSize fixed(long bytes) {
            return new GenerationSize(false, OptionalLong.of(bytes));
        }

        @Override
        public String toString() {
            return off ? "off" : fixedBytes.isPresent() ? MemorySizes.human(fixedBytes.getAsLong()) : "auto";
        }
    }

    /**
     * The numbers behind the gate, for {@code /status} and {@code /metrics}; -1 where unknown.
     *
     * @param estimateBytes what the next generation is expected to take (the largest peak seen, or the fixed size)
     * @param estimateOf    where that comes from: "generation 3's peak", "--generation-memory"
     */
    public record Status(String cgroup, long limitBytes, long usageBytes, long workingSetBytes, long oomKills,
                         long estimateBytes, String estimateOf, long marginBytes, String generationSize, MemoryMargin margin) {
    }

    private final CgroupMemory cgroup;
    private final ProcessMemory processes;
    private final MemoryMargin margin;
    private final GenerationSize size;
    private final WaitBound waitBound;
    private long largestPeak;
    private int largestPeakGeneration;
    /** When {@link #status} last measured the processes: probes ask for a snapshot every few seconds, procfs need not be read each time. */
    private long statusMeasuredNanos;
    private boolean saidUnreadable;

    public MemoryGate(CgroupMemory cgroup, ProcessMemory processes, MemoryMargin margin, GenerationSize size, WaitBound waitBound) {
        this.cgroup = cgroup;
        this.processes = processes;
        this.margin = margin;
        this.size = size;
        this.waitBound = waitBound;
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public WaitBound waitBound() {
        return waitBound;
    }

    /** One line for the log at start-up, saying what reloads are held to; empty when there is no limit. */
    public java.util.Optional<String> describe() {
        try {
            OptionalLong limit = cgroup.limit();
            if (limit.isEmpty()) {
                return java.util.Optional.empty();
            }
            String budget = "memory: limit " + MemorySizes.human(limit.getAsLong()) + " (" + cgroup.describe() + "); ";
            return java.util.Optional.of(budget + (size.off() ? "not checked before reloads (--generation-memory off)"
                    : "a reload starts its generation only if it fits, with a margin of "
                    + MemorySizes.human(margin.bytes(limit.getAsLong())) + " (--memory-margin " + margin + ")"));
        } catch (IOException e) {
            return java.util.Optional.of("memory: cannot read " + cgroup.describe() + " (" + e.getMessage()
                    + "); reloads are not held to a memory budget");
        }
    }

    @Override
    public Verdict check(LiveGenerations live) {
        if (size.off()) {
            return Verdict.OPEN;
        }
        long limit;
        long workingSet;
        try {
            OptionalLong l = cgroup.limit();
            if (l.isEmpty()) {
                return Verdict.OPEN;
            }
            limit = l.getAsLong();
            workingSet = cgroup.workingSet();
        } catch (IOException e) {
            if (!saidUnreadable) {
                saidUnreadable = true;
                Log.warn("cannot read the memory cgroup " + cgroup.describe() + ": " + e.getMessage()
                        + "; reloads start without a memory check");
            }
            return Verdict.OPEN;
        }
        measure(live);
        long estimate = estimate();
        if (estimate <= 0) {
            return Verdict.OPEN; // nothing serves: a restart, not a reload: never held back
        }
        long marginBytes = margin.bytes(limit);
        long free = limit - workingSet;
        if (estimate + marginBytes <= free) {
            return Verdict.OPEN;
        }
        String why = "generation " + live.next() + " would not fit in memory: it needs about "
                + MemorySizes.human(estimate + marginBytes) + " (" + estimateOf() + " " + MemorySizes.human(estimate)
                + " + --memory-margin " + MemorySizes.human(marginBytes) + ") and " + MemorySizes.human(Math.max(free, 0))
                + " of the " + MemorySizes.human(limit) + " limit are free";
        if (!live.draining().isEmpty()) {
            return Verdict.waitFor(why + "; waiting for " + live.drainingText() + " to exit");
        }
        return Verdict.refuse(why + ", and no older generation is left to exit: raise the memory limit, make the"
                + " worker smaller (its heap), or set --memory-margin / --generation-memory");
    }

    /** Reads the serving generation's peak, and keeps it if it is the largest yet. */
    private void measure(LiveGenerations live) {
        if (size.fixedBytes().isPresent() || live.serving() == null) {
            return;
        }
        long peak = processes.peakPrivateBytes(java.util.List.of(live.serving().pid()));
        if (peak > largestPeak) {
            largestPeak = peak;
            largestPeakGeneration = live.serving().generation();
        }
    }

    private long estimate() {
        return size.fixedBytes().orElse(largestPeak);
    }

    private String estimateOf() {
        return size.fixedBytes().isPresent() ? "--generation-memory" : "generation " + largestPeakGeneration + "'s peak";
    }

    /**
     * The numbers now: the cgroup's read each time; the serving generation measured again (for a fresh
     * estimate in /status) at most every {@link #STATUS_MEASURE_EVERY}, as the health probes ask often and
     * the peak ({@code VmHWM}) does not need sampling to be caught.
     */
    public Status status(LiveGenerations live) {
        long limit = -1;
        long usage = -1;
        long workingSet = -1;
        try {
            limit = cgroup.limit().orElse(-1);
            usage = cgroup.usage();
            workingSet = cgroup.workingSet();
        } catch (IOException e) {
            // shown as unknown
        }
        long now = System.nanoTime();
        if (!size.off() && (statusMeasuredNanos == 0 || now - statusMeasuredNanos >= STATUS_MEASURE_EVERY.toNanos())) {
            statusMeasuredNanos = now;
            measure(live);
        }
        long estimate = estimate();
        return new Status(cgroup.describe(), limit, usage, workingSet, cgroup.oomKills().orElse(-1),
                estimate > 0 ? estimate : -1, estimate > 0 ? estimateOf() : "", limit > 0 ? margin.bytes(limit) : -1,
                size.toString(), margin);
    }
}
