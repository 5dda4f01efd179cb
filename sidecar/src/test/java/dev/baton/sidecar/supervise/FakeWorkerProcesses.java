package dev.baton.sidecar.supervise;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.baton.sidecar.notify.NotifyMessage;
import dev.baton.sidecar.posix.Posix;
import dev.baton.sidecar.posix.Signals;
import dev.baton.sidecar.spawn.ExitStatus;
import dev.baton.sidecar.spawn.SpawnException;

/**
 * Worker processes that exist only in the test: each spawn and signal is recorded (with the loop's
 * time), and a worker is ready, speaks or exits when the test says so. A worker exits (status 0) on
 * TERM, as the echo worker does, unless told to ignore it, and always on KILL.
 */
final class FakeWorkerProcesses implements WorkerProcesses {
    record Spawned(int pid, int generation, List<String> command, Map<String, String> env, long atNanos) {
    }

    record Signalled(int pid, int signal, long atNanos) {
        @Override
        public String toString() {
            return pid + ":" + Signals.name(signal);
        }
    }

    private final ManualLoop loop;
    private final List<Spawned> spawned = new ArrayList<>();
    private final List<Signalled> signalled = new ArrayList<>();
    private final Set<Integer> alive = new HashSet<>();
    private final Set<Integer> ignoringTerm = new HashSet<>();
    private final List<Integer> reaped = new ArrayList<>();
    private Events events;
    private int nextPid = 1001;
    private String spawnFailure;
    boolean closed;

    FakeWorkerProcesses(ManualLoop loop) {
        this.loop = loop;
    }

    @Override
    public void start(Events events) {
        this.events = events;
    }

    @Override
    public int spawn(int generation, List<String> command, Map<String, String> env) throws SpawnException {
        if (spawnFailure != null) {
            throw new SpawnException(spawnFailure);
        }
        int pid = nextPid++;
        spawned.add(new Spawned(pid, generation, List.copyOf(command), Map.copyOf(env), loop.nanoTime()));
        alive.add(pid);
        return pid;
    }

    @Override
    public int signal(int pid, int signal) {
        if (reaped.contains(pid) || spawned.stream().noneMatch(s -> s.pid() == pid)) {
            return Posix.ESRCH; // an exited but not yet reaped worker still takes signals, as a zombie does
        }
        signalled.add(new Signalled(pid, signal, loop.nanoTime()));
        if (signal == Signals.SIGKILL) {
            exitBySignal(pid, Signals.SIGKILL);
        } else if (signal == Signals.SIGTERM && !ignoringTerm.contains(pid)) {
            exit(pid, 0);
        }
        return 0;
    }

    @Override
    public void reaped(int pid) {
        reaped.add(pid);
    }

    @Override
    public void close() {
        closed = true;
    }

    // ---- what the test makes the workers do (delivered the way the real threads do: queued on the loop)

    void ready(int pid) {
        events.notified(pid, NotifyMessage.parse("READY=1"));
    }

    void say(int pid, String datagram) {
        events.notified(pid, NotifyMessage.parse(datagram));
    }

    void exit(int pid, int code) {
        if (alive.remove(pid)) {
            events.exited(pid, new ExitStatus(code << 8));
        }
    }

    void exitBySignal(int pid, int signal) {
        if (alive.remove(pid)) {
            events.exited(pid, new ExitStatus(signal));
        }
    }

    /** The worker stays alive on TERM (it ignores it, or drains for long) until the test ends it. */
    void ignoreTerm(int pid) {
        ignoringTerm.add(pid);
    }

    void failSpawnsWith(String reason) {
        spawnFailure = reason;
    }

    // ---- what the supervisor did

    List<Spawned> spawned() {
        return List.copyOf(spawned);
    }

    Spawned generation(int generation) {
        return spawned.stream().filter(s -> s.generation() == generation).findFirst()
                .orElseThrow(() -> new AssertionError("generation " + generation + " was not spawned; spawned: " + spawned));
    }

    int pid(int generation) {
        return generation(generation).pid();
    }

    List<Signalled> signalled() {
        return List.copyOf(signalled);
    }

    /** The signals {@code pid} got, by name, in order. */
    List<String> signalsTo(int pid) {
        return signalled.stream().filter(s -> s.pid() == pid).map(s -> Signals.name(s.signal())).toList();
    }

    boolean isAlive(int pid) {
        return alive.contains(pid);
    }

    List<Integer> reaped() {
        return List.copyOf(reaped);
    }

    /** Pids by generation of the workers still running. */
    Map<Integer, Integer> aliveByGeneration() {
        Map<Integer, Integer> result = new LinkedHashMap<>();
        spawned.stream().filter(s -> alive.contains(s.pid())).forEach(s -> result.put(s.generation(), s.pid()));
        return result;
    }
}
