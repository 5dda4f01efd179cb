package dev.baton.sidecar.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.sidecar.testing.TestFiles;
import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.http.Http;
import dev.baton.testkit.load.Ab;
import dev.baton.testkit.load.ExternalTool;
import dev.baton.testkit.load.LoadResult;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.Commands;
import dev.baton.testkit.process.StartedProcess;

/**
 * Baton and Perl's Server::Starter, both ways: Starlet (a Perl worker written for start_server)
 * served by baton through repeated HUPs under ab, Perl's start_server --stop/--restart driving a
 * baton through its pid and status files, and baton --restart driving a Perl start_server.
 * Skipped, with the reason, where the Debian packages are not installed (.ci/run installs them).
 */
class PerlStartServerInteropTest {
    private static final String START_SERVER = "/usr/bin/start_server";

    @TempDir
    Path tmp;

    private final int port = FreePorts.next();

    @BeforeAll
    static void needsPerlTools() {
        for (String tool : List.of(START_SERVER, "/usr/bin/plackup", "/usr/bin/ab")) {
            Assumptions.assumeTrue(Files.isExecutable(Path.of(tool)),
                    tool + " is not installed: apt-get install libserver-starter-perl starlet apache2-utils");
        }
    }

    private List<String> starlet() {
        return List.of("plackup", "-s", "Starlet", "--max-workers=8", "--access-log", "/dev/null",
                TestFiles.resource("psgi/hello.psgi").toString());
    }

    private BatonProcess batonWithStarlet(String... options) throws IOException {
        List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + port));
        args.addAll(List.of(options));
        args.add("--");
        args.addAll(starlet());
        return BatonProcess.start(args);
    }

    /**
     * ab runs back to back (each checked in full) while baton is HUPed, at least twice with a reload whose new
     * generation became ready while ab was running, and for as long as the first run lasts (at most eight
     * reloads): the load goes on until the reloads it needs are done, bounded by three minutes, instead of
     * hoping one ab run outlasts two reloads (on a busy machine it once did not: "expected >= 2, got 1").
     */
    @Test
    void starletUnderBatonLosesNoRequestThroughRepeatedHups() throws Exception {
        try (BatonProcess baton = batonWithStarlet()) {
            baton.readyPid(1);
            AtomicBoolean reloadsDone = new AtomicBoolean();
            AtomicReference<ExternalTool.Running> running = new AtomicReference<>();
            List<Commands.Result> reports = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
                while (!reloadsDone.get()) {
                    ExternalTool.Running ab = Ab.start("http://127.0.0.1:" + port + "/", 6000, 50, false);
                    running.set(ab);
                    reports.add(ab.finish(Duration.ofSeconds(60)));
                }
            });
            int reloadsUnderLoad = 0;
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> running.get() != null);
                ExternalTool.Running firstRun = running.get();
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                int reloads = 0;
                while ((reloadsUnderLoad < 2 || firstRun.isAlive()) && reloads < 8) {
                    assertThat(System.nanoTime() - deadline).as("two reloads under load within 3 minutes (%d so far)",
                            reloadsUnderLoad).isNegative();
                    baton.hup();
                    reloads++;
                    baton.awaitLog("generation " + (reloads + 1) + "\\) is ready");
                    if (running.get().isAlive()) {
                        reloadsUnderLoad++;
                    }
                }
            } finally {
                reloadsDone.set(true); // the load thread starts no further ab run
            }
            load.get(3, TimeUnit.MINUTES);
            assertThat(reloadsUnderLoad).as("reloads whose new generation was ready during the load").isGreaterThanOrEqualTo(2);
            assertThat(reports).isNotEmpty().allSatisfy(report -> {
                assertThat(report.exit()).as(report.output()).isZero();
                LoadResult ab = Ab.parse(report.output(), false);
                assertThat(ab.non2xx()).as(report.output()).isZero();
                assertThat(ab.complete()).as(report.output()).isEqualTo(6000);
                assertThat(ab.failed()).as(report.output()).isZero();
            });
        }
    }

    @Test
    void perlStopAndRestartDriveABatonThroughItsPidAndStatusFiles() throws Exception {
        Path pid = tmp.resolve("pid");
        Path status = tmp.resolve("status");
        BatonProcess baton = batonWithStarlet("--pid-file", pid.toString(), "--status-file", status.toString());
        try {
            String first = baton.readyPid(1);
            await().until(() -> Files.exists(status));

            Commands.Result restart = Commands.run(Duration.ofSeconds(60), START_SERVER, "--restart", "--pid-file", pid.toString(),
                    "--status-file", status.toString());
            assertThat(restart.exit()).as(restart.output()).isZero();
            // Perl's --restart returned once the status file showed generation 2 alone: generation 1 is gone
            assertThat(Files.readString(status)).startsWith("2:");
            assertThat(Path.of("/proc/" + first)).doesNotExist();
            assertThat(Http.body(port, "/")).endsWith(":2\n");

            Commands.Result stop = Commands.run(Duration.ofSeconds(60), START_SERVER, "--stop", "--pid-file", pid.toString());
            assertThat(stop.exit()).as(stop.output()).isZero();
            // Perl's --stop blocks on the pid file's flock, so when it returns baton has cleaned up
            assertThat(pid).doesNotExist();
            assertThat(status).doesNotExist();
            assertThat(baton.awaitExit()).isZero();
        } finally {
            baton.close();
        }
    }

    @Test
    void batonStopAndRestartDriveAPerlStartServer() throws Exception {
        Path pid = tmp.resolve("pid");
        Path status = tmp.resolve("status");
        List<String> perl = new ArrayList<>(List.of(START_SERVER, "--port", "127.0.0.1:" + port, "--pid-file", pid.toString(),
                "--status-file", status.toString(), "--"));
        perl.addAll(starlet());
        StartedProcess server = StartedProcess.command(perl).start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(status) && Files.readString(status).startsWith("1:"));
            List<String> restart = new ArrayList<>(BatonProcess.javaCommand());
            restart.addAll(List.of("--restart", "--pid-file", pid.toString(), "--status-file", status.toString()));
            Commands.Result r = Commands.run(Duration.ofSeconds(60), Map.of(), restart);
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.output()).contains("restart done: generation 2");

            List<String> stop = new ArrayList<>(BatonProcess.javaCommand());
            stop.addAll(List.of("--stop", "--pid-file", pid.toString()));
            Commands.Result s = Commands.run(Duration.ofSeconds(60), Map.of(), stop);
            assertThat(s.exit()).as(s.output()).isZero();
            server.awaitExit(Duration.ofSeconds(30));
            assertThat(pid).doesNotExist();
        } finally {
            server.close();
        }
    }
}
