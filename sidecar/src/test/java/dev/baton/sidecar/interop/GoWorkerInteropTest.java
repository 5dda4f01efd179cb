package dev.baton.sidecar.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.http.Http;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.sample.EchoWorker;
import dev.baton.testkit.sample.GoBuild;

/**
 * A Go worker written for start_server (src/test/go/goworker: SERVER_STARTER_PORT parsed,
 * {@code net.FileListener(os.NewFile(fd))}, {@code http.Server.Shutdown} on TERM) served by baton
 * through HUPs under load. Built once per run with the {@code go} on the PATH (Debian's
 * {@code golang-go}); skipped, with the reason, without one.
 */
class GoWorkerInteropTest {
    private static final Path GO_SOURCE = Path.of("src/test/go/goworker/main.go");
    private static final Path GO_DIR = Path.of("target/go");
    private static final int RELOADS = 4;
    private static Path goWorker;

    private final int port = FreePorts.next();

    @BeforeAll
    static void buildGoWorker() throws Exception {
        Assumptions.assumeTrue(GoBuild.go() != null, "go is not on the PATH: apt-get install golang-go (the Go worker test needs it)");
        goWorker = GoBuild.build(GO_SOURCE, GO_DIR, "goworker");
    }

    @Test
    void goWorkerUnderBatonLosesNoRequestThroughRepeatedHups() throws Exception {
        try (BatonProcess baton = BatonProcess.start(List.of("--port", "127.0.0.1:" + port, "--", goWorker.toString()))) {
            String first = baton.readyPid(1);
            // In flight across the first reload: generation 1 gets TERM while it sleeps, and must answer it.
            CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return Http.body(port, "/slow?ms=1500");
                } catch (Exception e) {
                    return e.toString();
                }
            });
            Set<String> pids = new LinkedHashSet<>(List.of(first));
            try (HttpLoad load = EchoWorker.load(port, "/", 8)) {
                for (int reload = 1; reload <= RELOADS; reload++) {
                    String old = baton.readyPid(reload);
                    baton.hup();
                    pids.add(baton.readyPid(reload + 1));
                    baton.awaitGone(old);
                }
                load.close();
                System.out.println("GoWorkerInteropTest: " + load);
                assertThat(load.failures()).as(baton.logText()).isEmpty();
                assertThat(load.completed()).isGreaterThan(RELOADS * 10L);
                for (String pid : pids) {
                    assertThat(load.answeredBy(Long.parseLong(pid))).as("requests answered by " + pid + "\n" + load).isPositive();
                }
            }
            assertThat(slow.get(30, TimeUnit.SECONDS)).isEqualTo(first + ":1\n");
            assertThat(pids).hasSize(RELOADS + 1);
            for (String pid : new ArrayList<>(pids).subList(0, RELOADS)) {
                // Shutdown returned (nothing cut short) and the worker exited 0 on its own
                assertThat(baton.logText()).contains("goworker " + pid + " drained", "old worker " + pid + " died, status:0");
            }
        }
    }
}
