package dev.baton.sidecar.supervise;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.baton.sidecar.lifeline.Lifeline;
import dev.baton.sidecar.listen.Listener;
import dev.baton.sidecar.listen.Listeners;
import dev.baton.sidecar.notify.NotifyEndpoint;
import dev.baton.sidecar.notify.NotifyReceiver;
import dev.baton.sidecar.posix.Posix;
import dev.baton.sidecar.posix.PosixException;
import dev.baton.sidecar.spawn.Reaper;
import dev.baton.sidecar.spawn.SpawnException;
import dev.baton.sidecar.spawn.Spawner;

/**
 * The real worker processes: each one spawned with posix_spawn on the held sockets, its own sd_notify
 * socket ({@code NOTIFY_SOCKET}, and {@code BATON_NOTIFY_FD} already connected to it) and the
 * lifeline's read end; one {@link Reaper} thread reports exits, one {@link NotifyReceiver} thread
 * the notify messages.
 */
final class PosixWorkerProcesses implements WorkerProcesses {
    private final SupervisorConfig config;
    private final Listeners listeners;
    /** Its read end goes to every worker: end-of-file there means this supervisor died. */
    private final Lifeline lifeline;
    private final NotifyReceiver<Integer> notifyReceiver;
    private final Reaper reaper;
    /** By pid; spawn and reaped are both called on the supervisor's loop. */
    private final Map<Integer, NotifyEndpoint> notifyEndpoints = new HashMap<>();
    private volatile Events events;

    PosixWorkerProcesses(SupervisorConfig config, Listeners listeners) throws PosixException {
        this.config = config;
        this.listeners = listeners;
        this.lifeline = Lifeline.open();
        this.notifyReceiver = new NotifyReceiver<>((pid, message) -> events.notified(pid, message));
        this.reaper = new Reaper((pid, status) -> events.exited(pid, status));
    }

    @Override
    public void start(Events events) {
        this.events = events;
        reaper.start();
    }

    @Override
    public int spawn(int generation, List<String> command, Map<String, String> workerEnv) throws SpawnException, IOException {
        NotifyEndpoint notify = NotifyEndpoint.open(config.runtimeDirectory().resolve("notify-" + generation + ".sock"));
        try {
            int notifyFd = listeners.firstFreeWorkerFd();
            int lifelineFd = notifyFd + 1;
            Map<String, String> env = new TreeMap<>(workerEnv);
            env.put("NOTIFY_SOCKET", notify.path().toString());
            env.put("BATON_NOTIFY_FD", Integer.toString(notifyFd));
            env.put(Lifeline.FD_ENV, Integer.toString(lifelineFd));
            List<Spawner.FdMapping> fds = new ArrayList<>();
            for (Listener l : listeners.all()) {
                fds.add(new Spawner.FdMapping(l.fd(), l.workerFd()));
            }
            fds.add(new Spawner.FdMapping(notify.clientFd(), notifyFd));
            fds.add(new Spawner.FdMapping(lifeline.readFd(), lifelineFd));
            Path directory = config.directory().orElse(null);
            int pid = Spawner.spawn(new Spawner.SpawnSpec(command, env, fds, directory, false));
            notify.releaseClient();
            reaper.childStarted();
            notifyEndpoints.put(pid, notify);
            notifyReceiver.register(notify, pid);
            return pid;
        } catch (SpawnException | RuntimeException e) {
            notify.close();
            throw e;
        }
    }

    @Override
    public int signal(int pid, int signal) {
        return Posix.libc().kill(pid, signal) < 0 ? Posix.errno() : 0;
    }

    @Override
    public void reaped(int pid) {
        NotifyEndpoint notify = notifyEndpoints.remove(pid);
        if (notify != null) {
            notifyReceiver.unregister(notify);
            notify.close();
        }
    }

    @Override
    public void close() {
        notifyReceiver.close();
        lifeline.close();
        reaper.stop();
    }
}
