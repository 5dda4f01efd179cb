package dev.baton.sidecar.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.sidecar.gate.LiveGenerations;
import dev.baton.sidecar.gate.StartGate;
import dev.baton.sidecar.gate.StartGates;
import dev.baton.sidecar.gate.Verdict;
import dev.baton.sidecar.gate.WaitBound;
import dev.baton.sidecar.posix.Signals;
import dev.baton.sidecar.watch.ConfigHash;
import dev.baton.sidecar.watch.ExpectedConfig;

/**
 * The start gates inside the reload logic, in process ({@link InProcessSupervisor}) with a gate the test
 * controls: where the supervisor asks, what a held reload looks like, when it is asked again, what a refusal
 * and a wait past its bound do, and that a restart when nothing serves is never held back.
 */
class GatedReloadTest {

    /** A gate whose answer the test sets (from what it sees, or fixed), recording what it was shown. */
    private static final class TestGate implements StartGate {
        Function<LiveGenerations, Verdict> answer = live -> Verdict.OPEN;
        final List<LiveGenerations> seen = new ArrayList<>();

        @Override
        public String name() {
            return "memory";
        }

        @Override
        public Verdict check(LiveGenerations live) {
            seen.add(live);
            return answer.apply(live);
        }

        @Override
        public WaitBound waitBound() {
            return new WaitBound(Duration.ofSeconds(60), "--room-wait");
        }
    }

    private final TestGate gate = new TestGate();

    private InProcessSupervisor supervisor() {
        return new InProcessSupervisor(Map.of(), new StartGates(List.of(gate)));
    }

    @Test
    void aHeldReloadWaitsJoinsLaterRequestsAndStartsOnceTheGateOpens() {
        try (var s = supervisor().serving()) {
            gate.answer = live -> Verdict.waitFor("no room yet");
            s.hup();
            assertThat(s.reload(1).state()).isEqualTo("waiting");
            assertThat(s.reload(1).message()).isEqualTo("no room yet");
            assertThat(s.workers.spawned()).as("no generation started").hasSize(1);
            assertThat(s.systemd).last().asString().startsWith("RELOADING=1\n").endsWith("STATUS=reloading: no room yet");
            assertThat(s.snapshot().gates().waiting()).isTrue();

            assertThat(s.requestReload().id()).as("a later request joins it").isEqualTo(1);
            int asked = gate.seen.size();
            s.advance(Duration.ofMillis(500));
            assertThat(gate.seen.size()).as("asked again after 0.5 s").isGreaterThan(asked);

            gate.answer = live -> Verdict.OPEN;
            s.advance(Duration.ofMillis(500));
            assertThat(s.reload(1).state()).isEqualTo("starting");
            assertThat(s.reload(1).message()).isEmpty();
            assertThat(s.workers.generation(2).env()).containsEntry("SERVER_STARTER_GENERATION", "2");
            s.ready(2);
            s.exit(1, 0);
            assertThat(s.reload(1).state()).isEqualTo("succeeded");
            assertThat(s.countLog("^reload 1 waits: no room yet$")).as("said once").isEqualTo(1);
            assertThat(s.log()).contains("reload 1 may start its generation now");
            assertThat(s.snapshot().gates().waits()).containsExactly(Map.entry("memory", 1L));
        }
    }

    @Test
    void theGatesSeeTheServingAndTheOlderGenerationsAndAreAskedAgainWhenOneExits() {
        try (var s = supervisor().serving()) {
            s.workers.ignoreTerm(s.pid(1));
            s.hup();
            s.ready(2); // generation 1 drains (it ignores TERM)
            gate.answer = live -> live.draining().isEmpty() ? Verdict.OPEN : Verdict.waitFor("waiting for " + live.drainingText() + " to exit");
            s.hup();
            assertThat(gate.seen).last().isEqualTo(new LiveGenerations(3, new LiveGenerations.Generation(2, s.pid(2)),
                    List.of(new LiveGenerations.Generation(1, s.pid(1)))));
            assertThat(s.reload(2).message()).isEqualTo("waiting for generation 1 to exit");

            s.exit(1, 0); // at once, not at the next 0.5 s look
            assertThat(s.reload(2).state()).isEqualTo("starting");
            assertThat(s.reload(2).generation()).isEqualTo(3);
        }
    }

    @Test
    void aRefusedReloadFailsAtOnceWithoutAGeneration() {
        try (var s = supervisor().serving()) {
            gate.answer = live -> Verdict.refuse("generation " + live.next() + " would not fit in memory");
            long id = s.requestReload().id();
            ReloadView r = s.reload(id);
            assertThat(r.state()).isEqualTo("failed");
            assertThat(r.message()).isEqualTo("generation 2 would not fit in memory; generation 1 keeps serving");
            assertThat(r.attempts()).isZero();
            assertThat(s.log()).contains("baton: warning: reload 1 failed: generation 2 would not fit in memory; generation 1 keeps serving");
            assertThat(s.workers.spawned()).hasSize(1);
            assertThat(s.systemd).last().isEqualTo("READY=1\nSTATUS=reload failed; generation 1 serving");
            assertThat(s.snapshot().reloadsByResult()).containsEntry("failed", 1L);
            assertThat(s.snapshot().gates().refusals()).containsExactly(Map.entry("memory", 1L));

            gate.answer = live -> Verdict.OPEN;
            s.hup();
            assertThat(s.reload(2).state()).as("the next one is a new reload").isEqualTo("starting");
            assertThat(s.reload(2).generation()).as("the refused one spawned nothing").isEqualTo(2);
        }
    }

    @Test
    void aWaitPastTheGatesBoundFailsNamingTheOption() {
        try (var s = supervisor().serving()) {
            gate.answer = live -> Verdict.waitFor("no room");
            s.hup();
            s.advance(Duration.ofSeconds(59));
            assertThat(s.reload(1).state()).isEqualTo("waiting");
            s.advance(Duration.ofSeconds(1));
            assertThat(s.reload(1).state()).isEqualTo("failed");
            assertThat(s.reload(1).message()).isEqualTo("no room; gave up after 60 s (--room-wait); generation 1 keeps serving");
        }
    }

    /**
     * A reload held for a config the kubelet has not mounted yet is not the restart after a crash: that one
     * starts at once, and the held reload still waits, then starts its own generation with the new config.
     */
    @Test
    void aReloadWaitingForItsConfigFollowsARestartInsteadOfBeingIt(@TempDir Path volume) throws Exception {
        Files.writeString(volume.resolve("app.conf"), "v1");
        String v2 = ConfigHash.of(Map.of("app.conf", "v2".getBytes(StandardCharsets.UTF_8)));
        try (var s = new InProcessSupervisor().serving()) {
            var view = s.supervisor.requestReload("api", List.of(new ExpectedConfig(volume, v2)), null);
            s.loop.runPending();
            long id = view.join().id();
            assertThat(s.reload(id).state()).isEqualTo("waiting");

            s.exitBySignal(1, Signals.SIGKILL);
            assertThat(s.workers.spawned()).as("restarted at once").hasSize(2);
            assertThat(s.reload(id).state()).as("still waiting for its config").isEqualTo("waiting");
            s.ready(2);

            Files.writeString(volume.resolve("app.conf"), "v2"); // the kubelet catches up
            s.advance(Duration.ofMillis(500));
            assertThat(s.reload(id).state()).isEqualTo("starting");
            assertThat(s.reload(id).generation()).isEqualTo(3);
        }
    }

    /** Nothing serves: waiting would only prolong the outage. The held reload, if any, follows the restart. */
    @Test
    void aRestartWhenNothingServesIsNeverHeldBack() {
        try (var s = supervisor().serving()) {
            gate.answer = live -> Verdict.waitFor("no room");
            s.hup();
            int asked = gate.seen.size();
            s.exitBySignal(1, Signals.SIGKILL);
            assertThat(s.workers.spawned()).as("restarted at once").hasSize(2);
            assertThat(s.workers.spawned().get(1).generation()).isEqualTo(2);
            assertThat(gate.seen).as("the restart did not ask").hasSize(asked);
        }
    }
}
