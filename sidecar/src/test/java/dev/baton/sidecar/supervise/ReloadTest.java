package dev.baton.sidecar.supervise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.http.Http;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.sample.EchoWorker;

/** Reloads with real processes: status and pid files, envdir, Unix sockets, readiness, coalescing. */
class ReloadTest {

    @TempDir
    Path tmp;

    private final int port = FreePorts.next();

    private BatonProcess baton(String... options) throws IOException {
        List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + port));
        args.addAll(List.of(options));
        args.add("--");
        args.addAll(EchoWorker.command());
        return BatonProcess.start(args);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void statusAndPidFilesFollowTheGenerationsThroughHups() throws Exception {
        Path status = tmp.resolve("status");
        Path pid = tmp.resolve("pid");
        // --interval 0.2: the echo worker says nothing on the notify socket, so each of the ten generations
        // is ready once alive for --interval (1 s by default); what is checked here does not depend on it.
        try (BatonProcess baton = baton("--status-file", status.toString(), "--pid-file", pid.toString(),
                "--kill-old-delay", "1", "--interval", "0.2")) {
            baton.awaitLog("accepting on fd 3");
            assertThat(read(pid)).isEqualTo(baton.pid() + "\n");
            String first = Http.body(port, "/").split(":")[0];
            await().until(() -> read(status).equals("1:" + first + "\n"));

            baton.hup();
            String second = baton.readyPid(2);
            // during --kill-old-delay both generations are alive and listed, oldest first
            assertThat(read(status)).isEqualTo("1:" + first + "\n2:" + second + "\n");
            baton.awaitLog("old worker " + first + " died");
            await().until(() -> read(status).equals("2:" + second + "\n"));

            for (int gen = 3; gen <= 10; gen++) { // numeric order, not string order: 9 before 10
                baton.hup();
                baton.awaitLog("generation " + gen + "\\) is ready");
            }
            await().until(() -> read(status).startsWith("10:"));
            assertThat(read(status).lines()).hasSize(1);
        }
        assertThat(status).doesNotExist();
        assertThat(pid).doesNotExist();
    }

    @Test
    void theEnvdirIsReadAgainAtEveryReloadAndADeletedFileUnsetsItsVariable() throws Exception {
        Path envdir = Files.createDirectory(tmp.resolve("env"));
        Files.writeString(envdir.resolve("GREETING"), "hello\nsecond line ignored\n");
        try (BatonProcess baton = baton("--envdir", envdir.toString())) {
            baton.awaitLog("accepting on fd 3");
            assertThat(Http.body(port, "/env/GREETING")).isEqualTo("hello");

            Files.writeString(envdir.resolve("GREETING"), "bonjour");
            baton.hup();
            baton.awaitGone(baton.readyPid(1));
            assertThat(Http.body(port, "/env/GREETING")).isEqualTo("bonjour");

            Files.delete(envdir.resolve("GREETING"));
            baton.hup();
            baton.awaitGone(baton.readyPid(2));
            assertThat(Http.get(port, "/env/GREETING").status()).isEqualTo(404);
        }
    }

    @Test
    void aUnixSocketIsServedAndItsFileRemovedOnExit() throws Exception {
        Path sock = tmp.resolve("app.sock");
        List<String> args = new ArrayList<>(List.of("--path", sock.toString(), "--"));
        args.addAll(EchoWorker.command());
        try (BatonProcess baton = BatonProcess.start(args)) {
            baton.awaitLog("accepting on fd 3");
            assertThat(Http.get(sock, "/env/SERVER_STARTER_PORT").body()).isEqualTo(sock + "=3");
            baton.hup();
            baton.awaitGone(baton.readyPid(1));
            assertThat(Http.get(sock, "/").body()).endsWith(":2");
        }
        assertThat(sock).doesNotExist();
    }

    @Test
    void aNewGenerationThatSpeaksNotifyIsReadyOnlyAtReady1() throws Exception {
        Path envdir = Files.createDirectory(tmp.resolve("env"));
        try (BatonProcess baton = baton("--envdir", envdir.toString(), "--interval", "0.2")) {
            baton.awaitLog("accepting on fd 3");
            String first = Http.body(port, "/").split(":")[0];
            Files.writeString(envdir.resolve("WORKER_READY"), "notify");
            Files.writeString(envdir.resolve("WORKER_READY_DELAY_MS"), "1500");
            baton.hup();
            String ready = baton.awaitLog("generation 2\\) is ready");
            // it spoke STATUS= early, so the 0.2 s --interval rule did not apply: READY=1 came ~1.5 s later
            assertThat(ready).contains("(READY=1 after");
            long millis = Long.parseLong(ready.replaceAll(".*after (\\d+) ms.*", "$1"));
            assertThat(millis).isGreaterThanOrEqualTo(1400);
            baton.awaitLog("old worker " + first + " died");
        }
    }

    /**
     * A JVM worker with Baton's agent can stay silent longer than --interval before its agent speaks (a
     * loaded host, a CPU limit): in auto readiness, a worker whose JVM options name the agent is ready only
     * at its READY=1, never by the interval rule, which would retire the old worker before the new accepts.
     */
    @Test
    void aWorkerRunningTheBatonAgentIsReadyAtItsReady1EvenWhenSilentBeyondTheInterval() throws Exception {
        Path envdir = Files.createDirectory(tmp.resolve("env"));
        try (BatonProcess baton = baton("--envdir", envdir.toString(), "--interval", "0.2")) {
            baton.awaitLog("accepting on fd 3");
            String first = Http.body(port, "/").split(":")[0];
            Files.writeString(envdir.resolve("JAVA_TOOL_OPTIONS"), "-Xss1m -javaagent:/opt/baton/baton-agent.jar");
            Files.writeString(envdir.resolve("WORKER_SILENT_MS"), "1000");
            Files.writeString(envdir.resolve("WORKER_READY"), "notify");
            baton.hup();
            String ready = baton.awaitLog("generation 2\\) is ready");
            assertThat(ready).contains("(READY=1 after");
            assertThat(Long.parseLong(ready.replaceAll(".*after (\\d+) ms.*", "$1"))).isGreaterThanOrEqualTo(900);
            assertThat(baton.awaitLog("the worker runs the Baton agent")).contains("not after --interval");
            baton.awaitLog("old worker " + first + " died");

            // The same silent worker without the agent in its options: start_server's rule, as before.
            Files.delete(envdir.resolve("JAVA_TOOL_OPTIONS"));
            baton.hup();
            assertThat(baton.awaitLog("generation 3\\) is ready")).contains("(alive after --interval");
        }
    }

    @Test
    void aGenerationThatNeverBecomesReadyIsStoppedAndTheOldKeepsServing() throws Exception {
        Path envdir = Files.createDirectory(tmp.resolve("env"));
        try (BatonProcess baton = baton("--envdir", envdir.toString(), "--ready-timeout", "2s")) {
            baton.awaitLog("accepting on fd 3");
            String first = Http.body(port, "/");
            Files.writeString(envdir.resolve("WORKER_READY"), "never");
            baton.hup();
            baton.awaitLog("did not become ready within 2 s");
            assertThat(baton.awaitLog("reload 1 failed")).contains("generation 1 keeps serving");
            assertThat(Http.body(port, "/")).isEqualTo(first);
        }
    }

    @Test
    void hupsArrivingWhileAGenerationStartsAreCoalescedIntoOneMoreReload() throws Exception {
        try (BatonProcess baton = baton("--interval", "1")) {
            baton.readyPid(1);
            baton.hup();
            await().until(() -> baton.countLog("^starting new worker") == 2);
            for (int i = 0; i < 4; i++) { // each HUP handled before the next, so the kernel cannot merge them
                long before = baton.countLog("^received HUP");
                baton.hup();
                await().until(() -> baton.countLog("^received HUP") > before);
            }
            baton.awaitGone(baton.readyPid(2));
            // one reload for the first HUP, one for the four that came while generation 2 was starting
            await().pollDelay(java.time.Duration.ofMillis(1500)).until(() -> true);
            assertThat(baton.countLog("^starting new worker")).isEqualTo(3);
            assertThat(baton.countLog("will follow it \\(coalesced\\)")).isEqualTo(1);
            assertThat(Http.body(port, "/")).endsWith(":3");
        }
    }

    @Test
    void aHupWhileOldWorkersStillDrainStartsAnotherGenerationAndResignalsTheOldOnes() throws Exception {
        Path envdir = Files.createDirectory(tmp.resolve("env"));
        Files.writeString(envdir.resolve("WORKER_IGNORE_TERM"), "1");
        // Every worker ignores TERM, so each one is killed only after --drain-timeout, also when the test
        // ends and baton shuts down: long enough for generation 1 to be still draining when generation 3
        // is ready (about 2 s in), short enough not to hold the shutdown for long.
        try (BatonProcess baton = baton("--envdir", envdir.toString(), "--drain-timeout", "6s")) {
            baton.awaitLog("accepting on fd 3");
            String first = Http.body(port, "/").split(":")[0];
            baton.hup();
            baton.awaitLog("worker " + first + " got TERM \\(ignored\\)");
            baton.hup(); // generation 1 is still draining: this HUP is not dropped
            baton.awaitLog("generation 3\\) is ready");
            await().until(() -> baton.countLog("worker " + first + " got TERM") >= 2);
        }
    }

    @Test
    void autoRestartReloadsOnItsOwnAndExportsItsSettings() throws Exception {
        try (BatonProcess baton = baton("--enable-auto-restart", "--auto-restart-interval", "2", "--kill-old-delay", "0")) {
            String first = baton.readyPid(1);
            assertThat(Http.body(port, "/env/ENABLE_AUTO_RESTART")).isEqualTo("1");
            assertThat(Http.body(port, "/env/AUTO_RESTART_INTERVAL")).isEqualTo("2");
            assertThat(baton.awaitLog("autorestart triggered")).isEqualTo("autorestart triggered (interval=2)");
            baton.awaitGone(first);
            assertThat(Http.body(port, "/")).endsWith(":2");
        }
    }
}
