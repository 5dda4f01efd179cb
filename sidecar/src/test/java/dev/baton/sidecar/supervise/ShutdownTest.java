package dev.baton.sidecar.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.sample.EchoWorker;

/** TERM and INT: every worker told, waited for, every file removed, exit 0. */
class ShutdownTest {

    @TempDir
    Path tmp;

    @Test
    void termSendsSignalOnTermToAllWorkersWaitsAndLeavesNoFiles() throws Exception {
        Path pid = tmp.resolve("pid");
        Path status = tmp.resolve("status");
        Path sock = tmp.resolve("app.sock");
        List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + FreePorts.next(), "--path", sock.toString(),
                "--pid-file", pid.toString(), "--status-file", status.toString(), "--signal-on-term", "USR1",
                "--drain-timeout", "5s", "--"));
        args.addAll(EchoWorker.command());
        BatonProcess baton = BatonProcess.start(args);
        String worker = baton.readyPid(1);
        baton.signal("TERM");
        assertThat(baton.awaitExit()).isZero();
        assertThat(baton.logText()).contains("received TERM, sending USR1 to all workers:" + worker)
                .contains("worker " + worker + " got USR1").contains("exiting");
        try (var files = Files.list(tmp)) {
            assertThat(files).isEmpty();
        }
        assertThat(Path.of("/proc/" + worker)).doesNotExist();
    }

    @Test
    void intSendsTermAsStartServerDoes() throws Exception {
        List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + FreePorts.next(), "--signal-on-term", "USR1", "--"));
        args.addAll(EchoWorker.command());
        BatonProcess baton = BatonProcess.start(args);
        String worker = baton.readyPid(1);
        baton.signal("INT");
        assertThat(baton.awaitExit()).isZero();
        assertThat(baton.logText()).contains("received INT, sending TERM to all workers:" + worker)
                .contains("worker " + worker + " got TERM");
    }
}
