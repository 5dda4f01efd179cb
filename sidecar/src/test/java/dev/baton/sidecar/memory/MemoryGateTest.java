package dev.baton.sidecar.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.sidecar.gate.LiveGenerations;
import dev.baton.sidecar.gate.LiveGenerations.Generation;
import dev.baton.sidecar.gate.Verdict;
import dev.baton.sidecar.gate.WaitBound;

/**
 * The fit decision on a fake cgroup v2 container (360 MiB) and a fake /proc: the FACTS.md scenario's
 * numbers (baton ~60 MiB, a JVM generation with a pre-touched 160 MiB heap ~190 MiB private).
 */
class MemoryGateTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path tmp;
    private Path cgroup;
    private Path proc;

    @BeforeEach
    void container() throws IOException {
        cgroup = Files.createDirectories(tmp.resolve("cgroup"));
        proc = Files.createDirectories(tmp.resolve("proc"));
        Files.writeString(cgroup.resolve("memory.max"), 360 * MIB + "\n");
        Files.writeString(tmp.resolve("self-cgroup"), "0::/\n");
        Files.writeString(tmp.resolve("mountinfo"), "35 24 0:30 / " + cgroup + " rw - cgroup2 cgroup2 rw\n");
        worker(101, 190);
        worker(102, 190);
        worker(103, 40);
        usage(60);
    }

    @Test
    void aGenerationThatFitsMayStart() throws IOException {
        usage(60 + 40); // baton + a serving generation of 40 MiB: 260 MiB free, 50 needed
        MemoryGate gate = gate(MemoryGate.GenerationSize.AUTO, MemoryMargin.of(10 * MIB));
        assertThat(gate.check(live(3, 103)).open()).isTrue();
    }

    @Test
    void aGenerationThatDoesNotFitWaitsForTheDrainingOnes() throws IOException {
        usage(60 + 190 + 190);
        MemoryGate gate = gate(MemoryGate.GenerationSize.AUTO, MemoryMargin.DEFAULT);
        Verdict v = gate.check(new LiveGenerations(3, new Generation(2, 102), List.of(new Generation(1, 101))));

        assertThat(v.kind()).isEqualTo(Verdict.Kind.WAIT);
        assertThat(v.reason()).isEqualTo("generation 3 would not fit in memory: it needs about 226 MiB (generation 2's"
                + " peak 190 MiB + --memory-margin 36 MiB) and 0 B of the 360 MiB limit are free; waiting for generation 1 to exit");
    }

    @Test
    void aGenerationThatCouldNeverFitIsRefusedAtOnce() throws IOException {
        usage(60 + 190);
        MemoryGate gate = gate(MemoryGate.GenerationSize.AUTO, MemoryMargin.DEFAULT);
        Verdict v = gate.check(live(2, 101));

        assertThat(v.kind()).isEqualTo(Verdict.Kind.REFUSE);
        assertThat(v.reason()).startsWith("generation 2 would not fit in memory: it needs about 226 MiB (generation 1's peak"
                        + " 190 MiB + --memory-margin 36 MiB) and 110 MiB of the 360 MiB limit are free, and no older generation")
                .endsWith("raise the memory limit, make the worker smaller (its heap), or set --memory-margin / --generation-memory");
    }

    /** Page cache the kernel can drop first is not in the way: the working set decides, not the usage. */
    @Test
    void inactivePageCacheCountsAsFree() throws IOException {
        usage(60 + 190 + 100);
        Files.writeString(cgroup.resolve("memory.stat"), "anon " + 250 * MIB + "\ninactive_file " + 100 * MIB + "\n");
        assertThat(gate(MemoryGate.GenerationSize.AUTO, MemoryMargin.of(0)).check(live(2, 101)).kind())
                .isEqualTo(Verdict.Kind.REFUSE); // 360 - 250 = 110 < 190
        worker(101, 100);
        assertThat(gate(MemoryGate.GenerationSize.AUTO, MemoryMargin.of(0)).check(live(2, 101)).open()).isTrue();
    }

    /** A generation restarted after a crash has not grown to its predecessor's size yet: the largest seen is kept. */
    @Test
    void theLargestPeakSeenIsTheEstimate() throws IOException {
        MemoryGate gate = gate(MemoryGate.GenerationSize.AUTO, MemoryMargin.of(0));
        usage(60 + 190);
        assertThat(gate.check(live(2, 101)).kind()).isEqualTo(Verdict.Kind.REFUSE);
        usage(60 + 40 + 190);
        Verdict v = gate.check(live(4, 103)); // generation 3, a fresh restart, only 40 MiB so far
        assertThat(v.kind()).isEqualTo(Verdict.Kind.REFUSE);
        assertThat(v.reason()).contains("generation 1's peak 190 MiB");
        assertThat(gate.status(live(4, 103)).estimateBytes()).isEqualTo(190 * MIB);
    }

    @Test
    void aConfiguredGenerationSizeReplacesTheMeasurement() throws IOException {
        usage(60 + 190);
        Verdict v = gate(MemoryGate.GenerationSize.fixed(100 * MIB), MemoryMargin.of(0)).check(live(2, 101));
        assertThat(v.open()).isTrue();
        v = gate(MemoryGate.GenerationSize.fixed(200 * MIB), MemoryMargin.of(0)).check(live(2, 101));
        assertThat(v.reason()).contains("(--generation-memory 200 MiB + --memory-margin 0 B)");
    }

    @Test
    void withoutALimitOrSwitchedOffEverythingMayStart() throws IOException {
        usage(60 + 190);
        assertThat(gate(MemoryGate.GenerationSize.OFF, MemoryMargin.DEFAULT).check(live(2, 101)).open()).isTrue();
        Files.writeString(cgroup.resolve("memory.max"), "max\n");
        MemoryGate unlimited = gate(MemoryGate.GenerationSize.AUTO, MemoryMargin.DEFAULT);
        assertThat(unlimited.check(live(2, 101)).open()).isTrue();
        assertThat(unlimited.describe()).as("nothing to say at start-up").isEmpty();
    }

    @Test
    void statusShowsTheNumbers() throws IOException {
        usage(250);
        Files.writeString(cgroup.resolve("memory.events"), "oom 1\noom_kill 1\n");
        MemoryGate.Status s = gate(MemoryGate.GenerationSize.AUTO, MemoryMargin.DEFAULT).status(live(2, 101));
        assertThat(s.limitBytes()).isEqualTo(360 * MIB);
        assertThat(s.workingSetBytes()).isEqualTo(250 * MIB);
        assertThat(s.oomKills()).isEqualTo(1);
        assertThat(s.estimateBytes()).isEqualTo(190 * MIB);
        assertThat(s.estimateOf()).isEqualTo("generation 1's peak");
        assertThat(s.marginBytes()).isEqualTo(36 * MIB);
    }

    private MemoryGate gate(MemoryGate.GenerationSize size, MemoryMargin margin) {
        CgroupMemory memory = CgroupMemory.locate(tmp.resolve("self-cgroup"), tmp.resolve("mountinfo")).orElseThrow();
        return new MemoryGate(memory, new ProcessMemory(proc), margin, size, new WaitBound(Duration.ofSeconds(60), "--room-wait"));
    }

    private void usage(long mib) throws IOException {
        Files.writeString(cgroup.resolve("memory.current"), mib * MIB + "\n");
    }

    /** A JVM-like worker: {@code mib} of anonymous memory, 22 MiB of file-backed pages on top. */
    private void worker(int pid, long mib) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(dir.resolve("stat"), pid + " (java) S 1 " + pid + " 0\n");
        long kb = mib * 1024;
        Files.writeString(dir.resolve("status"), "VmHWM:\t" + (kb + 22528) + " kB\nVmRSS:\t" + (kb + 22528)
                + " kB\nRssAnon:\t" + kb + " kB\nRssFile:\t22528 kB\nRssShmem:\t0 kB\n");
    }

    private static LiveGenerations live(int next, int servingPid) {
        return new LiveGenerations(next, new Generation(next - 1, servingPid), List.of());
    }
}
