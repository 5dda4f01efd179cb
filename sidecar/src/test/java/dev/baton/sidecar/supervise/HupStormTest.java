package dev.baton.sidecar.supervise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.http.Http;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.ProcStats;
import dev.baton.testkit.sample.EchoWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A HUP storm under load: HUPs are coalesced, at most one generation is ever starting, not one
 * request fails, and the supervisor's fds, threads and memory afterwards are about what they were before.
 */
class HupStormTest {

    @Test
    void aStormOfHupsStartsAtMostOneGenerationAtATimeAndLosesNothing() throws Exception {
        int port = FreePorts.next();
        int control = FreePorts.next();
        List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + port, "--control", "127.0.0.1:" + control,
                "--interval", "0.3", "--"));
        args.addAll(EchoWorker.command());
        try (BatonProcess baton = BatonProcess.start(args)) {
            baton.readyPid(1);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + control + "/status")).build(),
                    HttpResponse.BodyHandlers.ofString()); // the control server's first request is behind it
            ProcStats before = stats(baton.pid());
            AtomicBoolean running = new AtomicBoolean(true);
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            HttpLoad load = EchoWorker.load(port, "/", 4);
            AtomicInteger mostStarting = new AtomicInteger();
            Thread watcher = new Thread(() -> {
                while (running.get()) {
                    try {
                        JsonArray workers = new JsonObject(http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + control + "/status")).build(),
                                HttpResponse.BodyHandlers.ofString()).body()).getJsonArray("workers");
                        int starting = (int) workers.stream().filter(w -> "starting".equals(((JsonObject) w).getString("state"))).count();
                        mostStarting.accumulateAndGet(starting, Math::max);
                    } catch (Exception e) {
                        failures.add("control: " + e);
                    }
                }
            });
            watcher.start();

            for (int i = 0; i < 100; i++) { // 100 HUPs in about a second (pacing, not waiting for anything)
                baton.hup();
                Thread.sleep(9);
            }
            for (int i = 0; i < 50; i++) { // then 10 per second for 5 s
                baton.hup();
                Thread.sleep(100);
            }
            // the last coalesced reload finishes, then everything is quiet
            await().atMost(BatonProcess.PATIENCE).until(() -> {
                JsonObject s = new JsonObject(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + control + "/status")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                return s.getJsonArray("workers").size() == 1;
            });
            running.set(false);
            load.close();
            watcher.join();

            assertThat(load.failures()).as("%s", load).isEmpty();
            assertThat(failures).isEmpty();
            assertThat(mostStarting.get()).isLessThanOrEqualTo(1);
            long spawned = baton.countLog("^starting new worker");
            // coalesced: far fewer generations than HUPs, yet more than one reload happened
            assertThat(spawned).isBetween(3L, 60L);
            // and each took over: every generation served the clients in its turn (each serves at least the
            // 0.3 s --interval of the next one), up to the last, which serves now
            assertThat(load.generations().keySet()).as("generations that answered, of %d, after %d requests", spawned, load.completed())
                    .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, (int) spawned).boxed().toList());
            assertThat(Http.body(port, "/")).endsWith(":" + spawned);

            // bounded: what the storm leaves behind in the supervisor is not proportional to the HUPs
            ProcStats after = stats(baton.pid());
            System.out.println("HUP storm, " + spawned + " generations: supervisor before " + before + ", after " + after);
            assertThat(after.fds()).as("fds before %s, after %s", before, after).isLessThanOrEqualTo(before.fds() + 5);
            assertThat(after.threads()).as("threads before %s, after %s", before, after).isLessThanOrEqualTo(before.threads() + 10);
            assertThat(after.rssKb()).as("RSS before %s, after %s", before, after).isLessThan(before.rssKb() + 100 * 1024);
        }
    }

    /** What the supervisor holds now; it is alive, so /proc has it. */
    private static ProcStats stats(long pid) {
        ProcStats stats = ProcStats.read(pid);
        if (stats == null) {
            throw new AssertionError("cannot read /proc/" + pid);
        }
        return stats;
    }
}
