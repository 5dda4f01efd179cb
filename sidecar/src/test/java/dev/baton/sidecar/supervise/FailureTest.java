package dev.baton.sidecar.supervise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.http.Http;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.ProcessTable;
import dev.baton.testkit.sample.EchoWorker;
import dev.baton.testkit.signal.Signals;

/** Bad input and bad workers: one clear line, the right exit, nothing left behind, nothing lost. */
class FailureTest {

    @TempDir
    Path tmp;

    private final int port = FreePorts.next();

    private List<String> args(List<String> options, List<String> worker) {
        List<String> args = new ArrayList<>(options);
        args.add("--");
        args.addAll(worker);
        return args;
    }

    private List<String> filesLeft() throws IOException {
        try (var s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aPortInUseIsOneLineAndExit1WithNoFilesLeft() throws Exception {
        try (ServerSocket taken = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.1"))) {
            BatonProcess baton = BatonProcess.start(args(List.of("--port", "127.0.0.1:" + port,
                    "--pid-file", tmp.resolve("pid").toString(), "--status-file", tmp.resolve("status").toString(),
                    "--path", tmp.resolve("app.sock").toString()), EchoWorker.command()));
            assertThat(baton.awaitExit()).isEqualTo(1);
            assertThat(baton.log()).containsExactly("start_server (pid:" + baton.pid() + ") starting now...",
                    "baton: error: cannot listen on 127.0.0.1:" + port
                            + ": Address already in use (another process is listening there: stop it or choose another --port)");
        }
        assertThat(filesLeft()).isEmpty();
    }

    @Test
    void aControlAddressInUseIsOneLineAndExit1WithNoFilesLeftAndNoWorkerStarted() throws Exception {
        int control = FreePorts.next();
        try (ServerSocket taken = new ServerSocket(control, 50, InetAddress.getByName("127.0.0.1"))) {
            BatonProcess baton = BatonProcess.start(args(List.of("--port", "127.0.0.1:" + port, "--control", "127.0.0.1:" + control,
                    "--pid-file", tmp.resolve("pid").toString(), "--status-file", tmp.resolve("status").toString(),
                    "--path", tmp.resolve("app.sock").toString()), EchoWorker.command()));
            assertThat(baton.awaitExit()).isEqualTo(1);
            assertThat(baton.log()).containsExactly("start_server (pid:" + baton.pid() + ") starting now...",
                    "baton: error: cannot serve the control API on 127.0.0.1:" + control
                            + ": Address already in use (choose another --control address)");
        }
        assertThat(filesLeft()).isEmpty();
    }

    @Test
    void aMissingWorkerBinaryIsOneLineAndExit1WithNoFilesLeft() throws Exception {
        BatonProcess baton = BatonProcess.start(args(List.of("--port", "127.0.0.1:" + port,
                "--pid-file", tmp.resolve("pid").toString(), "--status-file", tmp.resolve("status").toString()),
                List.of("no-such-worker-binary", "--flag")));
        assertThat(baton.awaitExit()).isEqualTo(1);
        assertThat(baton.log()).filteredOn(l -> l.startsWith("baton: error:")).singleElement().asString()
                .contains("cannot execute worker command 'no-such-worker-binary': No such file or directory");
        assertThat(filesLeft()).isEmpty();
    }

    @Test
    void aWorkerThatDiesAtFirstStartEndsBatonWithExit1() throws Exception {
        BatonProcess baton = BatonProcess.start(args(List.of("--port", "127.0.0.1:" + port,
                "--pid-file", tmp.resolve("pid").toString()), List.of("sh", "-c", "echo cannot connect to database >&2; exit 3")));
        assertThat(baton.awaitExit()).isEqualTo(1);
        assertThat(baton.logText()).contains("cannot connect to database")
                .contains("exited with exit code 3 before it was ready");
        assertThat(filesLeft()).isEmpty();
    }

    @Test
    void aFirstWorkerThatMissesTheReadyTimeoutEndsBatonWithExit1() throws Exception {
        // a worker that never says READY=1 and ignores nothing: baton TERMs it, waits for it, and must still
        // report the failed start (systemd's Restart=on-failure and scripts read exit 0 as success)
        BatonProcess baton = BatonProcess.start(args(List.of("--port", "127.0.0.1:" + port, "--readiness", "notify",
                "--ready-timeout", "1s", "--pid-file", tmp.resolve("pid").toString()), List.of("sleep", "100")));
        assertThat(baton.awaitExit()).isEqualTo(1);
        assertThat(baton.log()).filteredOn(l -> l.startsWith("baton: error:")).singleElement().asString()
                .contains("the worker failed to start").contains("did not become ready within 1 s");
        assertThat(filesLeft()).isEmpty();
    }

    @Test
    void startRetriesRetryAFailingFirstStartWithBackoff() throws Exception {
        Path marker = tmp.resolve("attempts");
        // fails twice, then serves
        String script = "echo x >> " + marker + "; [ $(wc -l < " + marker + ") -ge 3 ] || exit 1; exec "
                + String.join(" ", EchoWorker.command());
        try (BatonProcess baton = BatonProcess.start(args(List.of("--port", "127.0.0.1:" + port, "--start-retries", "3",
                "--interval", "0.3"), List.of("sh", "-c", script)))) {
            baton.readyPid(3);
            assertThat(baton.logText()).contains("worker crash loop: 2 failures in a row; next start in 1 s");
            assertThat(Http.body(port, "/")).endsWith(":3");
        }
    }

    @Test
    void aNewGenerationThatDiesBeforeReadyLeavesTheOldOneServing() throws Exception {
        Path envdir = Files.createDirectory(tmp.resolve("env"));
        Path status = tmp.resolve("status");
        try (BatonProcess baton = BatonProcess.start(args(List.of("--port", "127.0.0.1:" + port,
                "--envdir", envdir.toString(), "--status-file", status.toString()), EchoWorker.command()))) {
            String first = baton.readyPid(1);
            Files.writeString(envdir.resolve("WORKER_EXIT_AT_START"), "7");
            baton.hup();
            assertThat(baton.awaitLog("reload 1 failed")).contains("exited with exit code 7 before it was ready")
                    .contains("generation 1 keeps serving");
            assertThat(Http.body(port, "/")).isEqualTo(first + ":1");
            assertThat(Files.readString(status)).isEqualTo("1:" + first + "\n");
            // fixed, the next reload goes through; generation 2 was the failed attempt
            Files.delete(envdir.resolve("WORKER_EXIT_AT_START"));
            baton.hup();
            baton.awaitGone(first);
            assertThat(Http.body(port, "/")).endsWith(":3");
        }
    }

    @Test
    void aCrashedWorkerIsRestartedAndACrashLoopBacksOffAndIsReported() throws Exception {
        try (BatonProcess baton = BatonProcess.start(args(List.of("--port", "127.0.0.1:" + port, "--interval", "0.2"),
                EchoWorker.command()))) {
            for (int gen = 1; gen <= 3; gen++) {
                String pid = baton.readyPid(gen);
                Signals.send(Integer.parseInt(pid), "KILL");
                baton.awaitLog("worker " + pid + " died unexpectedly with status:9 = killed by SIGKILL, restarting");
            }
            assertThat(baton.awaitLog("worker crash loop: 3 ")).endsWith("3 failures in a row; next start in 2 s");
            baton.readyPid(4);
            assertThat(Http.body(port, "/")).endsWith(":4");
        }
    }

    @Test
    void anOldWorkerThatIgnoresTermIsKilledAtTheDrainTimeoutWhileTheNewOneServes() throws Exception {
        Path envdir = Files.createDirectory(tmp.resolve("env"));
        Files.writeString(envdir.resolve("WORKER_IGNORE_TERM"), "1");
        try (BatonProcess baton = BatonProcess.start(args(List.of("--port", "127.0.0.1:" + port,
                "--envdir", envdir.toString(), "--drain-timeout", "1s"), EchoWorker.command()))) {
            String first = baton.readyPid(1);
            Files.delete(envdir.resolve("WORKER_IGNORE_TERM"));
            baton.hup();
            String second = baton.readyPid(2);
            baton.awaitLog("worker " + first + " got TERM \\(ignored\\)");
            assertThat(baton.awaitLog("sending KILL")).contains("worker " + first + " (generation 1) still running 1 s after TERM");
            baton.awaitLog("old worker " + first + " died, status:9");
            assertThat(Http.body(port, "/")).isEqualTo(second + ":2");
        }
    }

    /**
     * Each new generation signals every old worker again (as start_server does); that must not restart an old
     * worker's --drain-timeout clock, or a worker that ignores TERM outlives every deadline while HUPs come
     * faster than the timeout.
     */
    @Test
    void hupsFasterThanTheDrainTimeoutDoNotPostponeTheKill() throws Exception {
        Path envdir = Files.createDirectory(tmp.resolve("env"));
        Files.writeString(envdir.resolve("WORKER_IGNORE_TERM"), "1");
        try (BatonProcess baton = BatonProcess.start(args(List.of("--port", "127.0.0.1:" + port,
                "--envdir", envdir.toString(), "--drain-timeout", "2s", "--interval", "0.2"), EchoWorker.command()))) {
            String first = baton.readyPid(1);
            // Generation g is ready at least 0.2 s after its HUP, so the first worker is signalled again every
            // few hundred ms, far more often than every 2 s; 20 generations take 4 s at the very least.
            int generation = 1;
            while (baton.countLog("old worker " + first + " died, status:9") == 0 && generation < 20) {
                baton.hup();
                baton.readyPid(++generation);
            }
            assertThat(generation).as("the first worker was killed while HUPs kept coming\n" + baton.logText())
                    .isLessThan(20);
            assertThat(baton.countLog("worker " + first + " got TERM")).as(baton.logText()).isGreaterThan(1);
            assertThat(baton.awaitLog("worker " + first + " \\(generation 1\\) still running"))
                    .contains("still running 2 s after TERM; sending KILL (--drain-timeout)");
            baton.awaitLog("old worker " + first + " died, status:9");
        }
    }

    @Test
    void aSecondBatonOnTheSamePidFileIsRefused() throws Exception {
        Path pid = tmp.resolve("pid");
        try (BatonProcess first = BatonProcess.start(args(List.of("--port", "127.0.0.1:" + port, "--pid-file", pid.toString()),
                EchoWorker.command()))) {
            first.readyPid(1);
            BatonProcess second = BatonProcess.start(args(List.of("--port", "127.0.0.1:" + FreePorts.next(),
                    "--pid-file", pid.toString()), EchoWorker.command()));
            assertThat(second.awaitExit()).isEqualTo(1);
            assertThat(second.logText()).contains("pid file " + pid + " is locked by a running supervisor (pid " + first.pid() + ")");
            assertThat(Files.readString(pid)).isEqualTo(first.pid() + "\n");
        }
    }

    /**
     * The lifeline seen from a worker that is not a JVM: a Perl watcher next to the echo worker blocks
     * reading BATON_LIFELINE_FD and marks a file at end-of-file. Nothing while baton lives (so neither
     * generation holds the write end), and both notice at once when baton is SIGKILLed.
     */
    @Test
    void workersReadEndOfFileOnTheLifelineWhenBatonIsSigkilled() throws Exception {
        String watcher = "perl -e 'open(my $l, \"<&=\", $ENV{BATON_LIFELINE_FD}) or die \"no lifeline: $!\"; "
                + "1 while sysread($l, my $b, 64); open(my $o, \">\", \"$ENV{MARK}.$ENV{SERVER_STARTER_GENERATION}\"); "
                + "print $o qq(closed\\n)'";
        String worker = watcher + " & exec " + String.join(" ", EchoWorker.command());
        Path mark = tmp.resolve("lifeline");
        BatonProcess killed = BatonProcess.start(List.of(), args(List.of("--port", "127.0.0.1:" + port, "--interval", "0.3"),
                List.of("sh", "-c", worker)), java.util.Map.of("MARK", mark.toString()));
        String first = killed.readyPid(1);
        killed.hup();
        String second = killed.readyPid(2);
        killed.awaitGone(first);
        try {
            assertThat(Http.body(port, "/")).isEqualTo(second + ":2");
            assertThat(filesLeft()).as("no worker saw the lifeline close while baton lives").isEmpty();
            killed.signal("KILL");
            killed.awaitExit();
            await().atMost(BatonProcess.PATIENCE).until(() -> Files.exists(Path.of(mark + ".1")) && Files.exists(Path.of(mark + ".2")));
        } finally {
            Signals.send(Integer.parseInt(second), "KILL"); // the orphaned echo worker
        }
    }

    @Test
    void aBatonRestartedAfterASigkillRetiresTheOrphanedWorkersAndTakesTheirPortOver() throws Exception {
        Path pid = tmp.resolve("pid");
        Path status = tmp.resolve("status");
        Path sock = tmp.resolve("app.sock");
        List<String> options = List.of("--port", "127.0.0.1:" + port, "--path", sock.toString(), "--pid-file", pid.toString(),
                "--status-file", status.toString());
        BatonProcess killed = BatonProcess.start(args(options, EchoWorker.command()));
        String orphan = killed.readyPid(1);
        killed.signal("KILL");
        killed.awaitExit();
        // the worker lives on, holding the port; pid, status and socket files are stale
        assertThat(Http.body(port, "/")).isEqualTo(orphan + ":1");
        assertThat(pid).exists();
        assertThat(sock).exists();
        // this time the worker serves the Unix socket too, to show it was taken over as well as the port
        try (BatonProcess again = BatonProcess.start(List.of(), args(options, EchoWorker.command()),
                java.util.Map.of("WORKER_LISTEN", "all"))) {
            assertThat(again.awaitLog("previous supervisor that died")).contains("[" + orphan + "]");
            String worker = again.readyPid(1);
            assertThat(ProcessTable.exited(Long.parseLong(orphan))).isTrue();
            assertThat(Files.readString(pid)).isEqualTo(again.pid() + "\n");
            assertThat(Http.body(port, "/")).isEqualTo(worker + ":1");
            again.awaitLog("worker " + worker + " \\(generation 1\\) accepting on fd 4");
            assertThat(Http.get(sock, "/").body()).isEqualTo(worker + ":1");
        }
    }
}
