package dev.baton.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.sidecar.Baton;
import dev.baton.testkit.port.FreePorts;
import picocli.CommandLine;

/**
 * Every way {@code baton} gives up before it supervises anything, and every way {@code --stop} and
 * {@code --restart} fail: a non-zero exit (2 for bad input, 1 for the rest) and exactly one
 * "baton: error:" line naming the problem and the fix. In process: the command line as {@code main}
 * runs it, with stderr captured. The first-start failures (a worker that exits, misses
 * --ready-timeout, cannot be executed) are in {@code FailureTest} and {@code ReloadPhasesTest}.
 */
class FatalPathsTest {

    @TempDir
    Path tmp;

    private final String port = "127.0.0.1:" + FreePorts.next();

    private record Result(int exit, List<String> lines) {
        /** The one error line, which must be the only one. */
        String error() {
            assertThat(lines).as("the output").filteredOn(l -> l.startsWith("baton: error:")).hasSize(1);
            return lines.stream().filter(l -> l.startsWith("baton: error:")).findFirst().orElseThrow();
        }
    }

    private static Result run(String... args) {
        PrintStream originalErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        StringWriter picocliErr = new StringWriter();
        int exit;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            CommandLine cli = Baton.commandLine();
            cli.setErr(new PrintWriter(picocliErr, true));
            exit = cli.execute(args);
        } finally {
            System.setErr(originalErr);
        }
        String output = err.toString(StandardCharsets.UTF_8) + picocliErr;
        originalErr.print(output);
        return new Result(exit, output.lines().toList());
    }

    private String[] baton(String... options) {
        return Stream.concat(Stream.concat(Stream.of("--port", port), Stream.of(options)), Stream.of("--", "true"))
                .toArray(String[]::new);
    }

    // ---------------------------------------------------------------- bad input: exit 2, nothing opened

    @Test
    void badOptionsAreOneLineNamingTheOptionAndExit2() throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), "  \n");
        Path noToken = tmp.resolve("no-token");
        Path noDir = tmp.resolve("none");
        assertBadInput("server program not specified: put the worker command after '--'", "--port", port);
        assertBadInput("--dir " + noDir + " is not a directory: create it or fix the path", baton("--dir", noDir.toString()));
        assertBadInput("invalid --readiness 'bogus': use auto, notify or alive", baton("--readiness", "bogus"));
        assertBadInput("invalid --interval: 'abc' is not a duration: use seconds", baton("--interval", "abc"));
        assertBadInput("invalid --backlog 0: give a positive number", baton("--backlog", "0"));
        assertBadInput("invalid --kill-old-delay: 'x' is not a duration", baton("--kill-old-delay", "x"));
        assertBadInput("invalid --control 'nonsense': expected HOST:PORT, e.g. 127.0.0.1:8081", baton("--control", "nonsense"));
        assertBadInput("invalid --control '127.0.0.1:99999': the port is not between 0 and 65535", baton("--control", "127.0.0.1:99999"));
        assertBadInput("--control-token-file needs --control=HOST:PORT", baton("--control-token-file", token.toString()));
        assertBadInput("invalid --jvm-cache-size: '1 gig' is not a size: give bytes or a unit, e.g. 512M, 1G, 400Mi",
                baton("--jvm-cache-size", "1 gig"));
        assertBadInput("control token file " + token + " is empty: put the token in it",
                baton("--control", "127.0.0.1:1", "--control-token-file", token.toString()));
        assertBadInput("cannot read control token file " + noToken + ": no such file (write the token into it",
                baton("--control", "127.0.0.1:1", "--control-token-file", noToken.toString()));
    }

    private static void assertBadInput(String expected, String... args) {
        Result r = run(args);
        assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
        assertThat(r.error()).as(String.join(" ", args)).startsWith("baton: error: " + expected);
    }

    // ---------------------------------------------------------------- set-up failures: exit 1, one line

    @Test
    void anEnvdirFileThatIsNotUtf8TextIsNamed() throws Exception {
        Path envdir = Files.createDirectory(tmp.resolve("env"));
        Files.write(envdir.resolve("BAD"), new byte[] {(byte) 0xff, (byte) 0xfe, '\n'});
        Result r = run(baton("--envdir", envdir.toString()));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.error()).isEqualTo("baton: error: cannot read envdir file " + envdir.resolve("BAD") + ": not UTF-8 text (fix or remove it)");
    }

    @Test
    void anEnvdirEntryThatIsNotAFileIsNamedInsteadOfBlockingTheStart() throws Exception {
        Path envdir = Files.createDirectory(tmp.resolve("env"));
        Process mkfifo = new ProcessBuilder("mkfifo", envdir.resolve("PIPE").toString()).start();
        assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0).isTrue();
        Result r = run(baton("--envdir", envdir.toString()));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.error()).isEqualTo("baton: error: cannot read envdir " + envdir
                + ": PIPE is not a regular file (each variable is a file holding its value)");
    }

    @Test
    void aJvmCacheDirectoryOthersMayWriteToIsRefusedBeforeAnyWorkerStarts() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("jvm"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path marker = tmp.resolve("started");
        Result r = run("--port", port, "--jvm-cache", shared.toString(), "--", "touch", marker.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.error()).isEqualTo("baton: error: the --jvm-cache directory " + shared + " is writable by its group or by"
                + " others (mode 777): a JVM loads code from it, so it must be this user's own and writable by no one else"
                + " (chmod 700, or give a new path: baton creates it)");
        assertThat(marker).as("no worker started").doesNotExist();
    }

    @Test
    void aLogPipeCommandThatDoesNotExistIsOneLineNotASilentExit() {
        Result r = run(baton("--log-file", "| /nonexistent/log-command --flag"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.error()).isEqualTo("baton: error: failed to open pipe:| /nonexistent/log-command --flag: cannot execute"
                + " '/nonexistent/log-command': No such file or directory (check the --log-file command and its PATH)");
        assertThat(BatonMain.logCommand("cat >> /var/log/app.log")).containsExactly("/bin/sh", "-c", "cat >> /var/log/app.log");
        assertThat(BatonMain.logCommand("logger -t app")).containsExactly("logger", "-t", "app");
    }

    @Test
    void aPidFileInADirectoryThatDoesNotExist() {
        Path pid = tmp.resolve("no/such/dir/pid");
        Result r = run(baton("--pid-file", pid.toString()));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.error()).isEqualTo("baton: error: cannot open pid file " + pid
                + ": No such file or directory (check that its directory exists and is writable)");
    }

    @Test
    void aHostThatDoesNotResolveAndAUnixSocketInADirectoryThatDoesNotExist() {
        Result host = run("--port", "no-such-host.invalid:8080", "--", "true");
        assertThat(host.exit()).isEqualTo(1);
        assertThat(host.error()).startsWith("baton: error: cannot listen on no-such-host.invalid:8080: cannot resolve host");
        Path sock = tmp.resolve("no/such/dir/app.sock");
        Result unix = run("--path", sock.toString(), "--", "true");
        assertThat(unix.exit()).isEqualTo(1);
        assertThat(unix.error()).isEqualTo("baton: error: cannot listen on " + sock
                + ": No such file or directory (check that the directory exists and is writable)");
        assertThat(tmp.resolve("no")).doesNotExist();
    }

    // ---------------------------------------------------------------- --stop

    @Test
    void stopFailsWithOneLineWhenThereIsNothingToStop() throws Exception {
        Path missing = tmp.resolve("missing.pid");
        Path garbage = Files.writeString(tmp.resolve("garbage.pid"), "not a pid\n");
        Path stale = Files.writeString(tmp.resolve("stale.pid"), deadPid() + "\n");
        assertThat(run("--stop").exit()).isEqualTo(2);
        assertThat(run("--stop").error()).isEqualTo("baton: error: --stop option requires --pid-file to be set as well");
        Result r = run("--stop", "--pid-file", missing.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.error()).isEqualTo("baton: error: failed to open file:" + missing + ": missing or empty (is the server running with --pid-file="
                + missing + "?)");
        assertThat(run("--stop", "--pid-file", garbage.toString()).error()).contains("not a pid: not a pid");
        r = run("--stop", "--pid-file", stale.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.error()).endsWith("No such process (is it still running? remove the stale " + stale + ")");
    }

    // ---------------------------------------------------------------- --restart

    @Test
    void restartFailsWithOneLineWhenThereIsNothingToRestart() throws Exception {
        Path stale = Files.writeString(tmp.resolve("stale.pid"), deadPid() + "\n");
        Path status = Files.writeString(tmp.resolve("status"), "1:12345\n");
        Path empty = Files.writeString(tmp.resolve("empty-status"), "");
        Path missing = tmp.resolve("missing-status");
        assertThat(run("--restart", "--pid-file", stale.toString()).exit()).isEqualTo(2);
        assertThat(run("--restart", "--pid-file", stale.toString()).error())
                .isEqualTo("baton: error: --restart option requires --pid-file and --status-file to be set as well");
        Result r = run("--restart", "--pid-file", stale.toString(), "--status-file", missing.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.error()).isEqualTo("baton: error: cannot read status file " + missing
                + ": no such file (is the server running with --status-file=" + missing + "?)");
        r = run("--restart", "--pid-file", stale.toString(), "--status-file", empty.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.error()).isEqualTo("baton: error: no active process found in the status file " + empty);
        r = run("--restart", "--pid-file", stale.toString(), "--status-file", status.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.error()).endsWith("No such process (is it still running? remove the stale " + stale + ")");
        r = run("--restart", "--control", "127.0.0.1:" + FreePorts.next());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.error()).contains(": connection refused (is baton running with --control=");
    }

    @Test
    void restartFailsWhenTheServerDiesOrNoNewGenerationComesWithinWhatAReloadMayTake() throws Exception {
        Path status = Files.writeString(tmp.resolve("status"), "1:12345\n");
        Process dies = new ProcessBuilder("sleep", "60").start(); // HUP ends it
        Process deaf = new ProcessBuilder("sh", "-c", "trap '' HUP; sleep 60 & wait").start(); // never reloads
        try {
            Path diesPid = Files.writeString(tmp.resolve("dies.pid"), dies.pid() + "\n");
            Result r = run("--restart", "--pid-file", diesPid.toString(), "--status-file", status.toString());
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.error()).isEqualTo("baton: error: the server process " + dies.pid() + " exited during the restart");

            Path deafPid = Files.writeString(tmp.resolve("deaf.pid"), deaf.pid() + "\n");
            long start = System.nanoTime();
            r = run("--restart", "--pid-file", deafPid.toString(), "--status-file", status.toString(),
                    "--interval", "0.1", "--ready-timeout", "0.1s", "--room-wait", "0"); // (a reload may wait --room-wait at the gates)
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.error()).startsWith("baton: error: no new generation within 5 s of the HUP: the reload failed or is"
                    + " still being retried, generation 1 serves on");
            assertThat((System.nanoTime() - start) / 1e9).isBetween(5.0, 30.0);
        } finally {
            dies.destroyForcibly();
            deaf.descendants().forEach(ProcessHandle::destroyForcibly);
            deaf.destroyForcibly();
        }
    }

    /** A pid no process has: one that has just exited and been reaped. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }
}
