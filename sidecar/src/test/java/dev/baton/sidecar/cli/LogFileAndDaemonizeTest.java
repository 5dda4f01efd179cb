package dev.baton.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.http.Http;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.ProcessTable;
import dev.baton.testkit.sample.EchoWorker;

/** --log-file (a file or a pipe) and --daemonize, with real processes. */
class LogFileAndDaemonizeTest {

    @TempDir
    Path tmp;

    private final int port = FreePorts.next();

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Test
    void daemonizeReturnsOnceTheFirstWorkerIsReadyAndLogsToTheFile() throws Exception {
        Path log = tmp.resolve("baton.log");
        Path pid = tmp.resolve("pid");
        List<String> command = new ArrayList<>(BatonProcess.javaCommand());
        command.addAll(List.of("--daemonize", "--log-file", log.toString(), "--pid-file", pid.toString(),
                "--port", "127.0.0.1:" + port, "--"));
        command.addAll(EchoWorker.command());
        Process foreground = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(foreground.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(foreground.exitValue()).isZero();
        // it returned after the worker was ready: the port answers at once
        assertThat(Http.body(port, "/")).endsWith(":1");
        long daemon = Long.parseLong(read(pid).trim());
        assertThat(daemon).isNotEqualTo(foreground.pid());
        ProcessHandle handle = ProcessHandle.of(daemon).orElseThrow();
        assertThat(read(log)).contains("is ready");

        List<String> stop = new ArrayList<>(BatonProcess.javaCommand());
        stop.addAll(List.of("--stop", "--pid-file", pid.toString()));
        assertThat(new ProcessBuilder(stop).start().waitFor()).isZero();
        // --stop returned when the flock was released, i.e. as the daemon exits: the kernel closes a dying
        // process's files before it becomes a zombie (until whoever adopted it reaps it), so that takes a moment
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessTable.exited(handle.pid()));
        assertThat(read(log)).contains("received TERM, sending TERM to all workers", "exiting");
        assertThat(pid).doesNotExist();
    }

    @Test
    void daemonizeReportsAFailedStartWithANonZeroExit() throws Exception {
        List<String> command = new ArrayList<>(BatonProcess.javaCommand());
        command.addAll(List.of("--daemonize", "--log-file", tmp.resolve("log").toString(), "--port", "127.0.0.1:" + port,
                "--", "sh", "-c", "exit 2"));
        Process foreground = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(foreground.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(foreground.exitValue()).isEqualTo(1);
        assertThat(read(tmp.resolve("log"))).contains("exited with exit code 2 before it was ready");
    }

    @Test
    void daemonizeWithALogFileItCannotOpenExits1WithTheReason() throws Exception {
        Path log = tmp.resolve("no/such/dir/log");
        List<String> command = new ArrayList<>(BatonProcess.javaCommand());
        command.addAll(List.of("--daemonize", "--log-file", log.toString(), "--port", "127.0.0.1:" + port, "--", "true"));
        Process foreground = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(foreground.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(foreground.exitValue()).isEqualTo(1);
        // the background copy said why, on the stderr they share; the foreground added nothing
        assertThat(new String(foreground.getInputStream().readAllBytes()).lines()).singleElement().asString()
                .startsWith("baton: error: failed to open log file:" + log + ": No such file or directory");
    }

    @Test
    void daemonizeNeedsALogFileAsInStartServer() throws Exception {
        BatonProcess baton = BatonProcess.start(List.of("--daemonize", "--port", "127.0.0.1:" + port, "--", "true"));
        assertThat(baton.awaitExit()).isEqualTo(2);
        assertThat(baton.logText()).contains("--log-file option must be specified together with --deamonize");
    }

    @Test
    void aPipedLogFileGetsBatonsAndTheWorkersOutput() throws Exception {
        Path out = tmp.resolve("piped.log");
        List<String> args = new ArrayList<>(List.of("--log-file", "| cat >> " + out, "--port", "127.0.0.1:" + port, "--"));
        args.addAll(EchoWorker.command());
        try (BatonProcess baton = BatonProcess.start(args)) {
            await().until(() -> read(out).contains("is ready"));
            assertThat(read(out)).contains("accepting on fd 3"); // the worker's stderr went through the pipe too
            assertThat(baton.logText()).contains("starting now...").doesNotContain("is ready");
        }
    }

    @Test
    void anUnwritableLogFileIsOneLineAndExit1() throws Exception {
        BatonProcess baton = BatonProcess.start(List.of("--log-file", tmp.resolve("no/such/dir/log").toString(),
                "--port", "127.0.0.1:" + port, "--", "true"));
        assertThat(baton.awaitExit()).isEqualTo(1);
        assertThat(baton.log()).singleElement().asString().startsWith("baton: error: failed to open log file:")
                .contains("No such file or directory");
    }
}
