package dev.baton.sidecar.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.sidecar.posix.Signals;
import dev.baton.sidecar.testing.BatonProcess;
import dev.baton.sidecar.testing.TestFiles;

/** baton under systemd (Type=notify): it tells its own NOTIFY_SOCKET when it is ready, reloading, stopping. */
class SystemdNotifyTest {

    @TempDir
    Path tmp;

    @Test
    void batonSpeaksSdNotifyToItsOwnSupervisor() throws Exception {
        List<NotifyMessage> received = new CopyOnWriteArrayList<>();
        try (NotifyEndpoint systemd = NotifyEndpoint.open(tmp.resolve("systemd.sock"));
             NotifyReceiver<String> receiver = new NotifyReceiver<>((k, m) -> received.add(m))) {
            receiver.register(systemd, "systemd");
            List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + TestFiles.freePort(), "--"));
            args.addAll(BatonProcess.echoWorker());
            BatonProcess baton = BatonProcess.start(List.of(), args, Map.of("NOTIFY_SOCKET", systemd.path().toString()));
            try {
                await().until(() -> received.stream().anyMatch(NotifyMessage::ready));
                NotifyMessage ready = received.stream().filter(NotifyMessage::ready).findFirst().orElseThrow();
                assertThat(ready.fields()).containsEntry("MAINPID", Long.toString(baton.pid()))
                        .containsEntry("STATUS", "generation 1 serving");
                // the worker gets its own NOTIFY_SOCKET, never the supervisor's
                baton.awaitLog("accepting on fd 3");

                baton.hup();
                await().until(() -> received.stream().anyMatch(m -> "1".equals(m.fields().get("RELOADING"))));
                await().until(() -> received.stream().anyMatch(m -> "generation 2 serving".equals(m.status())));
                baton.signal(Signals.SIGTERM);
                await().until(() -> received.stream().anyMatch(NotifyMessage::stopping));
                assertThat(baton.awaitExit()).isZero();
            } finally {
                baton.close();
            }
        }
    }
}
