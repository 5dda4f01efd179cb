package dev.baton.sidecar.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.http.Http;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.sample.EchoWorker;

/** What a worker receives: the env strings exactly as Perl writes them, its fds, its signal state. */
class WorkerEnvironmentTest {

    @TempDir
    Path tmp;

    @Test
    void serverStarterPortListsEverySocketAsGivenWithTheWorkersFdNumbers() throws Exception {
        int first = FreePorts.next();
        int second = FreePorts.next();
        Path sock = tmp.resolve("app.sock");
        List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + first, "--port", second + "=5",
                "--path", sock.toString(), "--kill-old-delay", "0", "--envdir", tmp.resolve("env").toString(), "--"));
        args.addAll(EchoWorker.command());
        try (BatonProcess baton = BatonProcess.start(args)) {
            baton.awaitLog("accepting on fd 3");
            assertThat(Http.body(first, "/env/SERVER_STARTER_PORT"))
                    .isEqualTo("127.0.0.1:" + first + "=3;" + second + "=5;" + sock + "=4");
            assertThat(Http.body(first, "/env/SERVER_STARTER_GENERATION")).isEqualTo("1");
            // start_server exports the options it was given, so the envdir can change them later
            assertThat(Http.body(first, "/env/KILL_OLD_DELAY")).isEqualTo("0");
            assertThat(Http.body(first, "/env/ENVDIR")).isEqualTo(tmp.resolve("env").toString());
            assertThat(Http.get(first, "/env/ENABLE_AUTO_RESTART").status()).isEqualTo(404);
            assertThat(Http.body(first, "/env/NOTIFY_SOCKET")).endsWith("/notify-1.sock");
            assertThat(Http.body(first, "/env/BATON_NOTIFY_FD")).isEqualTo("6");
            assertThat(Http.body(first, "/env/BATON_LIFELINE_FD")).isEqualTo("7");
            // the second and third sockets are live in the worker too: the kernel queues their connections
            assertThat(Http.body(first, "/fds")).startsWith("0,1,2,3,4,5,6,");
        }
    }

    @Test
    void theWorkerGetsItsSocketsAndStdioAndNothingElse() throws Exception {
        int port = FreePorts.next();
        try (BatonProcess baton = BatonProcess.start(List.of("--port", "127.0.0.1:" + port, "--", "sh", "-c",
                "echo fds: $(ls /proc/self/fd | sort -n | tr '\\n' ' '); exec " + String.join(" ", EchoWorker.command())))) {
            // 0-2 stdio, 3 the socket, 4 BATON_NOTIFY_FD, 5 BATON_LIFELINE_FD; the last one is ls's own directory handle
            assertThat(baton.awaitLog("^fds: ")).isEqualTo("fds: 0 1 2 3 4 5 6");
        }
    }

    @Test
    void aWorkerStartsWithNoBlockedAndNoIgnoredSignalsEvenUnderNohup() throws Exception {
        int port = FreePorts.next();
        List<String> args = List.of("--port", "127.0.0.1:" + port, "--", "sh", "-c",
                "grep -E '^Sig(Blk|Ign)' /proc/self/status; exec " + String.join(" ", EchoWorker.command()));
        // nohup starts baton with SIGHUP ignored; neither that nor anything the JVM blocks may reach the worker
        try (BatonProcess baton = BatonProcess.start(List.of("nohup"), args, Map.of())) {
            baton.awaitLog("accepting on fd 3");
            assertThat(baton.awaitLog("^SigBlk:")).isEqualTo("SigBlk:\t0000000000000000");
            // bits 32 and 33 are glibc's own reserved signals (SIGCANCEL, SIGSETXID), which posix_spawn ignores
            // in every child; signals 1-31 must all be at their defaults
            assertThat(baton.awaitLog("^SigIgn:")).isEqualTo("SigIgn:\t0000000180000000");
            String firstPid = Http.body(port, "/").split(":")[0];
            baton.hup(); // and baton itself still reloads on HUP
            baton.awaitLog("old worker " + firstPid + " died");
            assertThat(Http.body(port, "/")).endsWith(":2");
        }
    }

    @Test
    void theDefaultBacklogIsTheKernelsSomaxconnAsInStartServer() throws Exception {
        int port = FreePorts.next();
        List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + port, "--"));
        args.addAll(EchoWorker.command());
        try (BatonProcess baton = BatonProcess.start(args);
             var somaxconn = java.nio.file.Files.newBufferedReader(Path.of("/proc/sys/net/core/somaxconn"))) {
            baton.readyPid(1);
            Process ss = new ProcessBuilder("ss", "-Htln", "sport = :" + port).start();
            String line = new String(ss.getInputStream().readAllBytes()).trim();
            // "LISTEN 0 4096 127.0.0.1:PORT 0.0.0.0:*": for a listening socket the third column is the backlog
            assertThat(line.split("\\s+")[2]).isEqualTo(somaxconn.readLine().trim());
        }
    }

    @Test
    void udpAndIpv6SocketsAppearAsPerlWritesThem() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ipv6Loopback(), "no IPv6 loopback (::1) on this machine");
        int udp = FreePorts.next();
        int v6 = FreePorts.next();
        int http = FreePorts.next();
        List<String> args = new ArrayList<>(List.of("--port", "127.0.0.1:" + http, "--port", "u" + udp,
                "--port", "[::1]:" + v6, "--"));
        args.addAll(EchoWorker.command());
        try (BatonProcess baton = BatonProcess.start(args)) {
            baton.readyPid(1);
            // the UDP 'u' is not part of the env string, and IPv6 hosts keep their brackets
            assertThat(Http.body(http, "/env/SERVER_STARTER_PORT"))
                    .isEqualTo("127.0.0.1:" + http + "=3;" + udp + "=4;[::1]:" + v6 + "=5");
            try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0)) {
                // the UDP port is taken by baton's socket: binding it again fails
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> new java.net.DatagramSocket(udp).close())
                        .isInstanceOf(java.net.BindException.class);
            }
            try (java.net.Socket s = new java.net.Socket("::1", v6)) {
                assertThat(s.isConnected()).isTrue();
            }
        }
    }

    private static boolean ipv6Loopback() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("::1"))) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
