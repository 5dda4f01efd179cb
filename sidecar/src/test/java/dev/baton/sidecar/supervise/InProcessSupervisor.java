package dev.baton.sidecar.supervise;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

import dev.baton.sidecar.Baton;
import dev.baton.sidecar.Log;
import dev.baton.sidecar.cli.BatonCommand;
import dev.baton.sidecar.gate.StartGates;
import dev.baton.sidecar.jvmcache.JvmCache;
import dev.baton.sidecar.notify.SystemdReporter;
import dev.baton.sidecar.posix.Signals;

/**
 * A {@link Supervisor} driven by the test, in process: its loop is a {@link ManualLoop}, its workers a
 * {@link FakeWorkerProcesses}, what it tells systemd is collected, and its log (stderr) is captured.
 * Every action runs the loop until nothing more is due, so an assertion sees the supervisor at rest.
 */
final class InProcessSupervisor implements AutoCloseable {
    static final String PORT = "127.0.0.1:8080=3";

    final ManualLoop loop = new ManualLoop();
    final FakeWorkerProcesses workers = new FakeWorkerProcesses(loop);
    final List<String> systemd = new CopyOnWriteArrayList<>();
    final Supervisor supervisor;
    private final PrintStream originalErr = System.err;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    /** A supervisor configured by {@code options}, exactly as baton's command line parses them. */
    InProcessSupervisor(String... options) {
        this(Map.of(), options);
    }

    /** The same, with {@code env} as baton's own environment (the workers inherit it). */
    InProcessSupervisor(Map<String, String> env, String... options) {
        this(env, StartGates.none(), JvmCache.OFF, options);
    }

    /** The same, with start gates (test doubles, or the real ones). */
    InProcessSupervisor(Map<String, String> env, StartGates gates, String... options) {
        this(env, gates, JvmCache.OFF, options);
    }

    /** The same, with {@code jvmCache} deciding how each generation starts. */
    InProcessSupervisor(Map<String, String> env, JvmCache jvmCache, String... options) {
        this(env, StartGates.none(), jvmCache, options);
    }

    private InProcessSupervisor(Map<String, String> env, StartGates gates, JvmCache jvmCache, String... options) {
        BatonCommand config = config(options);
        config.configureLog();
        Map<String, String> baseEnv = new HashMap<>(env);
        baseEnv.putAll(config.exportedOptions());
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        supervisor = new Supervisor(config, baseEnv, PORT, workers, jvmCache, loop, new SystemdReporter(systemd::add), gates);
    }

    /** The supervisor's configuration from {@code options}, exactly as baton's command line parses them (worker: "worker"). */
    static BatonCommand config(String... options) {
        List<String> args = new ArrayList<>(List.of(options));
        args.addAll(List.of("--", "worker"));
        return Baton.commandLine().parseArgs(args.toArray(String[]::new)).commandSpec().commandLine().getCommand();
    }

    /** Starts the first worker (not yet ready). */
    InProcessSupervisor begin() {
        supervisor.begin();
        loop.runPending();
        return this;
    }

    /** Starts, and makes generation 1 ready with READY=1. */
    InProcessSupervisor serving() {
        begin();
        ready(1);
        return this;
    }

    void hup() {
        signal(Signals.SIGHUP);
    }

    void signal(int signal) {
        supervisor.signal(signal);
        loop.runPending();
    }

    ReloadView requestReload() {
        CompletableFuture<ReloadView> view = supervisor.requestReload("api");
        loop.runPending();
        return view.join();
    }

    void advance(Duration d) {
        loop.advance(d);
    }

    void ready(int generation) {
        workers.ready(workers.pid(generation));
        loop.runPending();
    }

    /** Generation {@code generation}'s worker sends this sd_notify datagram. */
    void say(int generation, String datagram) {
        workers.say(workers.pid(generation), datagram);
        loop.runPending();
    }

    void exit(int generation, int code) {
        workers.exit(workers.pid(generation), code);
        loop.runPending();
    }

    void exitBySignal(int generation, int signal) {
        workers.exitBySignal(workers.pid(generation), signal);
        loop.runPending();
    }

    int pid(int generation) {
        return workers.pid(generation);
    }

    SupervisorSnapshot snapshot() {
        CompletableFuture<SupervisorSnapshot> s = supervisor.snapshot();
        loop.runPending();
        return s.join();
    }

    ReloadView reload(long id) {
        var view = supervisor.reload(id);
        loop.runPending();
        return view.join().orElseThrow(() -> new AssertionError("no reload " + id));
    }

    /** Generation to pid of the workers in the given state ("serving", "draining", "starting"). */
    Map<Integer, Integer> workersIn(String state) {
        Map<Integer, Integer> result = new java.util.TreeMap<>();
        snapshot().workers().stream().filter(w -> w.state().equals(state)).forEach(w -> result.put(w.generation(), w.pid()));
        return result;
    }

    List<String> log() {
        return log.toString(StandardCharsets.UTF_8).lines().toList();
    }

    long countLog(String regex) {
        Pattern p = Pattern.compile(regex);
        return log().stream().filter(l -> p.matcher(l).find()).count();
    }

    @Override
    public void close() {
        Log.configure(Log.Format.TEXT, false);
        System.setErr(originalErr);
        originalErr.print(log.toString(StandardCharsets.UTF_8)); // into the test's report, for whoever reads a failure
    }
}
