package dev.baton.sidecar.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.baton.sidecar.testing.TestFiles;
import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.http.Http;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import dev.baton.testkit.sample.EchoWorker;
import dev.baton.testkit.signal.Signals;

/**
 * {@code bin/start_server} against Perl's own {@code /usr/bin/start_server} (Server::Starter 0.35):
 * each scenario runs under both at the same time, with the same Perl echo worker, and they are
 * compared by what can be seen from outside — the supervisor's lines in Perl's vocabulary (worker pids
 * numbered by spawn order, so {@code #3} is the third worker spawned), the generations, the status
 * file, the signals each worker got, the exit code, and the time between spawns within a tolerance.
 * Runs after {@code package}: it needs {@code sidecar/target/baton.jar} behind {@code bin/start_server}.
 */
class StartServerDifferentialIT {
    private static final Path PERL = Path.of("/usr/bin/start_server");
    private static final Path OURS = Path.of(System.getProperty("baton.home", "..")).toAbsolutePath().normalize()
            .resolve("bin/start_server");
    /** What Server/Starter.pm prints; Baton's own lines ("… is ready …", "baton: warning: …") are left out. */
    private static final Pattern PERL_VOCABULARY = Pattern.compile("^(start_server \\(pid:\\d+\\) starting now\\.\\.\\."
            + "|starting new worker \\d+|new worker \\d+ seems to have failed to start, exit status:\\d+"
            + "|received \\w+, (spawning a new worker|sending \\w+ to all workers:[\\d,]*)"
            + "|new worker is now running, sending \\w+ to old workers:([\\d,]+|none)|sleeping \\S+ secs before killing old workers"
            + "|killing old workers|old worker \\d+ died, status:\\d+|worker \\d+ died(, status:\\d+| unexpectedly with status:\\d+, restarting)"
            + "|autorestart triggered \\((forced, )?interval=\\d+\\)|exiting)$");
    private static final Pattern SPAWN = Pattern.compile("^starting new worker (\\d+)$");
    private static final Pattern WORKER_SIGNAL = Pattern.compile("^worker (\\d+) got (\\w+)");

    @TempDir
    Path tmp;

    @BeforeAll
    static void needsBothStartServers() {
        Assumptions.assumeTrue(Files.isExecutable(PERL), PERL + " is not installed: apt-get install libserver-starter-perl");
        Assumptions.assumeTrue(Files.isRegularFile(OURS.resolveSibling("../sidecar/target/baton.jar").normalize()),
                "sidecar/target/baton.jar is not built: this test runs in 'mvn verify', after package");
    }

    /** One start_server under test, with its own port and status file. */
    private final class Side implements AutoCloseable {
        final String name;
        final Path status;
        final int port;
        final BatonProcess process;

        Side(String name, Path program, List<String> options, Map<String, String> env) throws IOException {
            this.name = name;
            this.status = tmp.resolve(name + ".status");
            this.port = FreePorts.next();
            List<String> command = new ArrayList<>(List.of(program.toString(), "--port=127.0.0.1:" + port,
                    "--status-file=" + status));
            command.addAll(options);
            command.add("--");
            command.addAll(EchoWorker.command());
            this.process = BatonProcess.run(command, env);
        }

        /** Worker pids in spawn order: the first spawned is #1 (generation 1 in both). */
        List<String> spawned() {
            List<String> pids = new ArrayList<>();
            process.log().forEach(l -> {
                Matcher m = SPAWN.matcher(l);
                if (m.matches()) {
                    pids.add(m.group(1));
                }
            });
            return pids;
        }

        private String numbered(String text) {
            List<String> pids = spawned();
            StringBuilder out = new StringBuilder();
            Matcher m = Pattern.compile("\\d+").matcher(text);
            while (m.find()) {
                int index = pids.indexOf(m.group());
                m.appendReplacement(out, index >= 0 ? "#" + (index + 1) : m.group());
            }
            m.appendTail(out);
            return out.toString().replaceFirst("^start_server \\(pid:\\d+\\)", "start_server (pid:S)");
        }

        /** The supervisor's own lines, in Perl's vocabulary, pids numbered. */
        List<String> supervisorLines() {
            return process.log().stream().filter(l -> PERL_VOCABULARY.matcher(l).matches()).map(this::numbered).toList();
        }

        /** The status file, pids numbered ("3:#3" is generation 3 served by the third worker spawned). */
        String status() {
            return numbered(TestFiles.readOrAbsent(status));
        }

        /** The signals each worker logged, by number. */
        Map<String, List<String>> signals() {
            Map<String, List<String>> result = new TreeMap<>();
            process.log().forEach(l -> {
                Matcher m = WORKER_SIGNAL.matcher(l);
                if (m.find()) {
                    result.computeIfAbsent(numbered(m.group(1)), k -> new ArrayList<>()).add(m.group(2));
                }
            });
            return result;
        }

        /** When each line matching {@code regex} (pids numbered) was read, in seconds after the first spawn. */
        List<Double> secondsAfterFirstSpawn(String regex) {
            Pattern p = Pattern.compile(regex);
            List<StartedProcess.Line> lines = process.lines();
            long first = lines.stream().filter(l -> SPAWN.matcher(l.text()).matches()).findFirst().orElseThrow().atNanos();
            return lines.stream().filter(l -> p.matcher(numbered(l.text())).find()).map(l -> (l.atNanos() - first) / 1e9).toList();
        }

        /** The same, in seconds after the first of them. */
        List<Double> secondsApart(String regex) {
            List<Double> times = secondsAfterFirstSpawn(regex);
            return times.stream().map(t -> t - times.get(0)).toList();
        }

        void awaitStatus(String expected) {
            await(name + "'s status file: " + expected.replace("\n", "\\n")).atMost(BatonProcess.PATIENCE)
                    .pollInterval(Duration.ofMillis(20)).until(() -> status().equals(expected));
        }

        void awaitLine(String regex) {
            await(name + ": /" + regex + "/").atMost(BatonProcess.PATIENCE).pollInterval(Duration.ofMillis(20))
                    .until(() -> supervisorLines().stream().anyMatch(l -> l.matches(regex)));
        }

        int pid(int number) {
            return Integer.parseInt(spawned().get(number - 1));
        }

        int stop() throws InterruptedException {
            process.signal("TERM");
            return process.awaitExit();
        }

        @Override
        public void close() throws InterruptedException {
            process.close();
        }

        @Override
        public String toString() {
            return name + "'s log:\n" + process.logText();
        }
    }

    /** Perl's start_server and ours, started together with the same options and environment. */
    private final class Both implements AutoCloseable {
        final Side perl;
        final Side ours;

        Both(List<String> options, Map<String, String> env) throws IOException {
            perl = new Side("perl", PERL, options, env);
            ours = new Side("ours", OURS, options, env);
        }

        void each(Consumer<Side> action) {
            action.accept(perl);
            action.accept(ours);
        }

        /** TERM to both: each tells its last worker, exits 0 and removes its status file. */
        void stop() throws InterruptedException {
            stopWhen(null);
        }

        /**
         * The same, each one as soon as it has printed a line matching {@code regex}: where one keeps
         * going on its own (auto-restart), waiting for the other would let it run into its next step.
         */
        void stopWhen(String regex) throws InterruptedException {
            for (Side side : List.of(perl, ours)) {
                if (regex != null) {
                    side.awaitLine(regex);
                }
                assertThat(side.stop()).as(side.toString()).isZero();
                assertThat(side.status).doesNotExist();
            }
        }

        /** The same lines, and the same signals to the same workers. */
        void assertSameAs(List<String> expectedLines) {
            assertThat(perl.supervisorLines()).as(perl.toString()).isEqualTo(expectedLines);
            assertThat(ours.supervisorLines()).as(ours.toString()).isEqualTo(expectedLines);
            assertThat(ours.signals()).as("signals the workers got\n" + perl + "\n" + ours).isEqualTo(perl.signals());
        }

        /** Ours did these as far apart as Perl's did (counted from the first of them), give or take {@code early}/{@code late} seconds. */
        void assertSameSpacing(String regex, double early, double late) {
            List<Double> perlTimes = perl.secondsApart(regex);
            List<Double> ourTimes = ours.secondsApart(regex);
            assertThat(ourTimes).as("/%s/ in seconds: perl %s, ours %s", regex, perlTimes, ourTimes).hasSameSizeAs(perlTimes);
            for (int i = 0; i < perlTimes.size(); i++) {
                assertThat(ourTimes.get(i)).as("/%s/ #%d in seconds: perl %s, ours %s", regex, i + 1, perlTimes, ourTimes)
                        .isBetween(perlTimes.get(i) - early, perlTimes.get(i) + late);
            }
        }

        @Override
        public void close() throws InterruptedException {
            perl.close();
            ours.close();
        }
    }

    /** How every scenario ends: TERM, and worker {@code #n}, the last one, told and gone. */
    private static List<String> stoppedWith(int n) {
        return List.of("received TERM, sending TERM to all workers:#" + n, "worker #" + n + " died, status:0", "exiting");
    }

    private static List<String> lines(List<String> scenario, List<String> end) {
        List<String> all = new ArrayList<>(scenario);
        all.addAll(end);
        return all;
    }

    private static Map<String, String> env(String... keyValues) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            env.put(keyValues[i], keyValues[i + 1]);
        }
        return env;
    }

    @Test
    void aFirstWorkerThatDiesIsSpawnedAgainEveryIntervalUntilOneSurvives() throws Exception {
        try (Both both = new Both(List.of("--interval=1"), env("WORKER_FAIL_GENERATIONS", "1,2"))) {
            both.each(s -> s.awaitStatus("3:#3\n"));
            both.stop();
            both.assertSameAs(lines(List.of("start_server (pid:S) starting now...",
                    "starting new worker #1", "new worker #1 seems to have failed to start, exit status:256",
                    "starting new worker #2", "new worker #2 seems to have failed to start, exit status:256",
                    "starting new worker #3"), stoppedWith(3)));
            both.assertSameSpacing("^starting new worker", 0.4, 0.4); // at 0, 1 and 2 s
        }
    }

    @Test
    void aReloadWhoseNewWorkerDiesIsSpawnedAgainEveryIntervalWhileTheOldOneServes() throws Exception {
        try (Both both = new Both(List.of("--interval=1"), env("WORKER_FAIL_GENERATIONS", "2,3"))) {
            both.each(s -> s.awaitStatus("1:#1\n"));
            both.each(s -> s.process.hup());
            both.each(s -> s.awaitLine("new worker #3 seems to have failed to start.*"));
            assertThat(both.perl.status()).isEqualTo("1:#1\n");
            assertThat(both.ours.status()).isEqualTo("1:#1\n");
            both.each(s -> s.awaitLine("old worker #1 died, status:0"));
            both.each(s -> s.awaitStatus("4:#4\n"));
            both.stop();
            both.assertSameAs(lines(List.of("start_server (pid:S) starting now...", "starting new worker #1",
                    "received HUP, spawning a new worker",
                    "starting new worker #2", "new worker #2 seems to have failed to start, exit status:256",
                    "starting new worker #3", "new worker #3 seems to have failed to start, exit status:256",
                    "starting new worker #4",
                    "new worker is now running, sending TERM to old workers:#1", "killing old workers", "old worker #1 died, status:0"), stoppedWith(4)));
            assertThat(both.perl.signals()).isEqualTo(Map.of("#1", List.of("TERM"), "#4", List.of("TERM")));
            both.assertSameSpacing("^starting new worker #[234]", 0.4, 0.4); // 1 s apart
        }
    }

    @Test
    void autoRestartCountsItsIntervalFromWhenTheLastGenerationBecameReady() throws Exception {
        // ready 2 s after each spawn; the next 3 s after that; the old one told 1 s after the new is ready:
        // spawns at 0, 5 and 10 s (counting from the previous trigger would give 0, 3, 6)
        try (Both both = new Both(List.of("--interval=2", "--enable-auto-restart", "--auto-restart-interval=3",
                "--kill-old-delay=1"), env())) {
            both.stopWhen("old worker #2 died, status:0");
            both.assertSameAs(lines(List.of("start_server (pid:S) starting now...", "starting new worker #1",
                    "autorestart triggered (interval=3)", "starting new worker #2",
                    "new worker is now running, sending TERM to old workers:#1", "sleeping 1 secs before killing old workers",
                    "killing old workers", "old worker #1 died, status:0",
                    "autorestart triggered (interval=3)", "starting new worker #3",
                    "new worker is now running, sending TERM to old workers:#2", "sleeping 1 secs before killing old workers",
                    "killing old workers", "old worker #2 died, status:0"), stoppedWith(3)));
            // both check once a second counted from the moment the generation was ready (Perl's alarm(1) starts
            // over when its loop comes back from starting a worker): a check phased from baton's own start came
            // up to a second late each time (6 and 12 s against Perl's 5 and 10 in one CI run)
            both.assertSameSpacing("^starting new worker", 0.5, 0.5);
        }
    }

    @Test
    void aServingWorkerThatDiesIsRestartedAtOnceEveryTime() throws Exception {
        try (Both both = new Both(List.of("--interval=1"), env())) {
            for (int n = 1; n <= 3; n++) {
                String serving = n + ":#" + n + "\n";
                int number = n;
                both.each(s -> s.awaitStatus(serving));
                both.each(s -> Signals.send(s.pid(number), "KILL"));
                both.each(s -> s.awaitLine("starting new worker #" + (number + 1)));
            }
            both.each(s -> s.awaitStatus("4:#4\n"));
            both.stop();
            both.assertSameAs(lines(List.of("start_server (pid:S) starting now...", "starting new worker #1",
                    "worker #1 died unexpectedly with status:9, restarting", "starting new worker #2",
                    "worker #2 died unexpectedly with status:9, restarting", "starting new worker #3",
                    "worker #3 died unexpectedly with status:9, restarting", "starting new worker #4"), stoppedWith(4)));
            for (Side side : List.of(both.perl, both.ours)) {
                List<Double> died = side.secondsAfterFirstSpawn("died unexpectedly");
                List<Double> spawned = side.secondsAfterFirstSpawn("^starting new worker #[234]");
                for (int i = 0; i < 3; i++) {
                    assertThat(spawned.get(i) - died.get(i)).as("%s: restart %d, died at %s, spawned at %s", side.name, i + 1,
                            died, spawned).isLessThan(0.5); // no backoff
                }
            }
        }
    }

    @Test
    void anEnvdirThatDoesNotExistIsIgnoredUntilItDoesAndBatonSaysSoOnce() throws Exception {
        Path envdir = tmp.resolve("envdir"); // not there yet: a mistyped path, or one made later
        try (Both both = new Both(List.of("--interval=1", "--envdir=" + envdir), env())) {
            both.each(s -> s.awaitStatus("1:#1\n"));
            for (Side side : List.of(both.perl, both.ours)) {
                assertThat(Http.body(side.port, "/env/ENVDIR")).as(side.name).isEqualTo(envdir.toString());
                assertThat(Http.get(side.port, "/env/GREETING").status()).as(side.name).isEqualTo(404);
            }
            // both read it again before the next spawn, once it exists
            Files.createDirectory(envdir);
            Files.writeString(envdir.resolve("GREETING"), "hello\n");
            both.each(s -> s.process.hup());
            both.each(s -> s.awaitStatus("2:#2\n"));
            for (Side side : List.of(both.perl, both.ours)) {
                assertThat(Http.body(side.port, "/env/GREETING")).as(side.name).isEqualTo("hello");
            }
            both.stop();
            both.assertSameAs(lines(List.of("start_server (pid:S) starting now...", "starting new worker #1",
                    "received HUP, spawning a new worker", "starting new worker #2",
                    "new worker is now running, sending TERM to old workers:#1", "killing old workers", "old worker #1 died, status:0"),
                    stoppedWith(2)));
            // the one difference: Perl is silent about it, baton warns once, right after its first line
            assertThat(both.perl.process.logText()).as(both.perl.toString()).doesNotContain("envdir");
            assertThat(both.ours.process.log().stream().filter(l -> l.contains("envdir")).toList()).as(both.ours.toString())
                    .containsExactly("baton: warning: --envdir " + envdir
                            + " does not exist: the workers get no variables from it until it does (create it, or fix the path)");
            assertThat(both.ours.process.log().get(1)).startsWith("baton: warning: --envdir");
        }
    }
}
