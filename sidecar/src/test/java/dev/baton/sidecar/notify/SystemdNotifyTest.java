package dev.baton.sidecar.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.http.Http;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.sample.EchoWorker;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.Out;

/** baton under systemd (Type=notify): it tells its own NOTIFY_SOCKET when it is ready, reloading, stopping. */
class SystemdNotifyTest {

    /** clock_gettime(2), bound here on its own: the test's clock must not be the code's under test. */
    public interface Clock {
        int CLOCK_MONOTONIC = 1;

        int clock_gettime(int clockId, @Out long[] timespec);
    }

    private static final Clock CLOCK = LibraryLoader.create(Clock.class).load("c");

    private static long monotonicMicros() {
        long[] ts = new long[2];
        assertThat(CLOCK.clock_gettime(Clock.CLOCK_MONOTONIC, ts)).isZero();
        return ts[0] * 1_000_000 + ts[1] / 1000;
    }

    @TempDir
    Path tmp;

    @Test
    void batonSpeaksSdNotifyToItsOwnSupervisor() throws Exception {
        List<NotifyMessage> received = new CopyOnWriteArrayList<>();
        try (NotifyEndpoint systemd = NotifyEndpoint.open(tmp.resolve("systemd.sock"));
             NotifyReceiver<String> receiver = new NotifyReceiver<>((k, m) -> received.add(m))) {
            receiver.register(systemd, "systemd");
            int port = FreePorts.next();
            List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + port, "--"));
            args.addAll(EchoWorker.command());
            BatonProcess baton = BatonProcess.start(List.of(), args, Map.of("NOTIFY_SOCKET", systemd.path().toString(),
                    "WORKER_READY", "notify")); // each worker says STATUS= and READY=1 on its own socket
            try {
                await().until(() -> received.stream().anyMatch(NotifyMessage::ready));
                NotifyMessage ready = received.stream().filter(NotifyMessage::ready).findFirst().orElseThrow();
                assertThat(ready.fields()).containsEntry("MAINPID", Long.toString(baton.pid()))
                        .containsEntry("STATUS", "generation 1 serving");
                // the worker gets its own NOTIFY_SOCKET, never the supervisor's: one per generation, in baton's
                // private runtime directory
                baton.awaitLog("accepting on fd 3");
                String workerSocket = Http.body(port, "/env/NOTIFY_SOCKET");
                assertThat(workerSocket).isNotEqualTo(systemd.path().toString()).endsWith("/notify-1.sock");
                assertThat(Path.of(workerSocket).getParent().getFileName().toString()).startsWith("baton-" + baton.pid() + "-");

                baton.hup();
                await().until(() -> received.stream().anyMatch(m -> "1".equals(m.fields().get("RELOADING"))));
                await().until(() -> received.stream().anyMatch(m -> "generation 2 serving".equals(m.status())));
                baton.awaitGone(baton.readyPid(1));
                assertThat(Http.body(port, "/env/NOTIFY_SOCKET")).isEqualTo(Path.of(workerSocket).resolveSibling("notify-2.sock").toString());
                baton.signal("TERM");
                await().until(() -> received.stream().anyMatch(NotifyMessage::stopping));
                assertThat(baton.awaitExit()).isZero();
                assertThat(received).as("only baton's own messages reached systemd's socket")
                        .extracting(NotifyMessage::status).noneMatch(status -> status != null && (status.contains("warming up") || status.contains("serving generation")));
            } finally {
                baton.close();
            }
        }
    }

    /**
     * Type=notify-reload (systemd 253+), played by the test: note CLOCK_MONOTONIC, send SIGHUP, then
     * the reload must start with RELOADING=1 stamped MONOTONIC_USEC no earlier than the signal (systemd
     * ignores an older or missing stamp and the reload job times out) and end with READY=1 — a reload
     * that succeeded and one that failed alike (systemd has no word for a failed reload here).
     */
    @Test
    void aHupReloadIsReportedTheWayTypeNotifyReloadWantsIt() throws Exception {
        List<NotifyMessage> received = new CopyOnWriteArrayList<>();
        Path envdir = Files.createDirectory(tmp.resolve("env"));
        try (NotifyEndpoint systemd = NotifyEndpoint.open(tmp.resolve("systemd.sock"));
             NotifyReceiver<String> receiver = new NotifyReceiver<>((k, m) -> received.add(m))) {
            receiver.register(systemd, "systemd");
            List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + FreePorts.next(),
                    "--envdir", envdir.toString(), "--"));
            args.addAll(EchoWorker.command());
            try (BatonProcess baton = BatonProcess.start(List.of(), args, Map.of("NOTIFY_SOCKET", systemd.path().toString()))) {
                await().until(() -> received.stream().anyMatch(NotifyMessage::ready));

                int before = received.size();
                long signalled = monotonicMicros();
                baton.hup();
                NotifyMessage reloading = awaitAfter(received, before, m -> "1".equals(m.fields().get("RELOADING")));
                long stamp = Long.parseLong(reloading.fields().get("MONOTONIC_USEC"));
                assertThat(stamp).isBetween(signalled, monotonicMicros());
                assertThat(reloading.status()).isEqualTo("reloading: starting generation 2");
                int reloadingAt = received.indexOf(reloading);
                NotifyMessage done = awaitAfter(received, reloadingAt + 1, NotifyMessage::ready);
                assertThat(done.status()).isEqualTo("generation 2 serving");

                Files.writeString(envdir.resolve("WORKER_EXIT_AT_START"), "7");
                before = received.size();
                signalled = monotonicMicros();
                baton.hup();
                reloading = awaitAfter(received, before, m -> "1".equals(m.fields().get("RELOADING")));
                assertThat(Long.parseLong(reloading.fields().get("MONOTONIC_USEC"))).isGreaterThanOrEqualTo(signalled);
                done = awaitAfter(received, received.indexOf(reloading) + 1, NotifyMessage::ready);
                assertThat(done.status()).isEqualTo("reload failed; generation 2 serving");
            }
        }
    }

    private static NotifyMessage awaitAfter(List<NotifyMessage> received, int from, java.util.function.Predicate<NotifyMessage> what) {
        return await().until(() -> received.subList(from, received.size()).stream().filter(what).findFirst(),
                java.util.Optional::isPresent).orElseThrow();
    }
}
