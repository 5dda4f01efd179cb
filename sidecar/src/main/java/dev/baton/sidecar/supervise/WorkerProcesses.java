package dev.baton.sidecar.supervise;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import dev.baton.sidecar.notify.NotifyMessage;
import dev.baton.sidecar.spawn.ExitStatus;
import dev.baton.sidecar.spawn.SpawnException;

/**
 * Where the supervisor's decisions meet the operating system: starting a worker, signalling one,
 * and hearing back from them (exits, sd_notify messages). {@link PosixWorkerProcesses} is the real
 * one (posix_spawn with the held sockets, waitpid, per-worker notify sockets); the in-process
 * supervisor tests use a fake that records what it was asked and reports what the test says.
 */
public interface WorkerProcesses {

    /** Starts reporting exits and sd_notify messages to {@code events} (from threads of its own). */
    void start(Events events);

    /**
     * Starts the worker of {@code generation}, {@code command} (the worker command, with the JVM cache's
     * options, if any), with {@code env} (SERVER_STARTER_PORT and _GENERATION included; the notify and
     * lifeline variables are the implementation's to add) and returns its pid.
     *
     * @throws SpawnException naming the command and the reason, when it cannot be started
     * @throws IOException    when what the worker needs (its notify socket) cannot be made
     */
    int spawn(int generation, List<String> command, Map<String, String> env) throws SpawnException, IOException;

    /** Sends {@code signal} to {@code pid}; returns 0, or the errno (ESRCH: it is gone already). */
    int signal(int pid, int signal);

    /** The worker {@code pid} was reaped: whatever was held for it (its notify socket) is released. */
    void reaped(int pid);

    /** Stops reporting and releases everything; called once, when the supervisor exits. */
    void close();

    /** What comes back from the workers. Called from the implementation's threads, never the loop's. */
    interface Events {
        void exited(int pid, ExitStatus status);

        void notified(int pid, NotifyMessage message);
    }
}
