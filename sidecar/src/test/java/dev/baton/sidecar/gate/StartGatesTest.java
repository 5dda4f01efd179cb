package dev.baton.sidecar.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.baton.sidecar.gate.LiveGenerations.Generation;

/** The order of the gates, a wait that outlasts its bound, and the generation cap. */
class StartGatesTest {
    private final AtomicLong now = new AtomicLong();

    @Test
    void theReloadsOwnGatesComeFirstAndTheFirstThatIsNotOpenDecides() {
        List<String> asked = new ArrayList<>();
        StartGates gates = new StartGates(List.of(gate("generations", asked, Verdict.OPEN), gate("memory", asked, Verdict.waitFor("no room"))));
        StartGates.Passage passage = gates.passage(List.of(gate("config", asked, Verdict.OPEN)), now::get);

        Verdict v = passage.check(live(2, 1));
        assertThat(asked).containsExactly("config", "generations", "memory");
        assertThat(v).isEqualTo(Verdict.waitFor("no room"));
        assertThat(passage.decidedBy()).isEqualTo("memory");
    }

    @Test
    void aWaitLongerThanTheGatesBoundIsARefusalNamingTheOption() {
        StartGates gates = new StartGates(List.of(gate("memory", new ArrayList<>(), Verdict.waitFor("no room"))));
        StartGates.Passage passage = gates.passage(List.of(), now::get);
        assertThat(passage.check(live(2, 1)).kind()).isEqualTo(Verdict.Kind.WAIT);
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(passage.check(live(2, 1)).kind()).isEqualTo(Verdict.Kind.WAIT);
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        Verdict v = passage.check(live(2, 1));
        assertThat(v).isEqualTo(Verdict.refuse("no room; gave up after 60 s (--test-wait)"));
        assertThat(passage.decidedBy()).isEqualTo("memory");
    }

    @Test
    void eachGateCountsItsOwnWait() {
        Verdict[] config = {Verdict.waitFor("old config")};
        StartGates gates = new StartGates(List.of(gate("memory", new ArrayList<>(), Verdict.waitFor("no room"))));
        StartGates.Passage passage = gates.passage(List.of(new FakeGate("config", new ArrayList<>(), () -> config[0])), now::get);
        assertThat(passage.check(live(2, 1)).reason()).isEqualTo("old config");
        now.addAndGet(Duration.ofSeconds(90).toNanos()); // the kubelet took 90 s
        config[0] = Verdict.OPEN;
        assertThat(passage.check(live(2, 1))).as("memory's wait starts now").isEqualTo(Verdict.waitFor("no room"));
    }

    @Test
    void theGenerationCapWaitsForADrainingGeneration() {
        GenerationCap cap = new GenerationCap(3, new WaitBound(Duration.ofSeconds(60), "--room-wait"));
        assertThat(cap.check(new LiveGenerations(3, new Generation(2, 20), List.of(new Generation(1, 10)))).open()).isTrue();
        Verdict v = cap.check(new LiveGenerations(4, new Generation(3, 30), List.of(new Generation(1, 10), new Generation(2, 20))));
        assertThat(v).isEqualTo(Verdict.waitFor("generation 4 would be the 4th generation alive (--max-generations 3);"
                + " waiting for generations 1 and 2 to exit"));
        assertThat(new GenerationCap(0, new WaitBound(Duration.ZERO, "--room-wait")).check(new LiveGenerations(9, new Generation(8, 80),
                List.of(new Generation(1, 10), new Generation(2, 20), new Generation(3, 30)))).open()).as("0: no cap").isTrue();
        assertThat(new GenerationCap(2, new WaitBound(Duration.ZERO, "--room-wait")).check(live(2, 1)).open()).isTrue();
    }

    private static LiveGenerations live(int next, int servingPid) {
        return new LiveGenerations(next, new Generation(next - 1, servingPid), List.of());
    }

    private static StartGate gate(String name, List<String> asked, Verdict verdict) {
        return new FakeGate(name, asked, () -> verdict);
    }

    private record FakeGate(String name, List<String> asked, java.util.function.Supplier<Verdict> verdict) implements StartGate {
        @Override
        public Verdict check(LiveGenerations live) {
            asked.add(name);
            return verdict.get();
        }

        @Override
        public WaitBound waitBound() {
            return new WaitBound(Duration.ofSeconds(60), "--test-wait");
        }
    }
}
