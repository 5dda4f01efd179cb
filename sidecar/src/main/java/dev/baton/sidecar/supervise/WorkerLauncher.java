package dev.baton.sidecar.supervise;

import java.io.IOException;
import java.util.Map;

import dev.baton.sidecar.Log;
import dev.baton.sidecar.jvmcache.JvmCache;
import dev.baton.sidecar.spawn.SpawnException;

/**
 * How one generation's worker starts: its environment read anew (the envdir), the JVM cache's say on its
 * command line, the spawn, and whether only its READY=1 will make it ready (it runs Baton's agent, under
 * {@code --readiness auto}). Loop thread only.
 */
final class WorkerLauncher {
    private final SupervisorConfig config;
    private final WorkerEnvironment environment;
    private final JvmCache jvmCache;
    private final WorkerProcesses processes;
    private final EventLoop loop;
    /** Said once: auto readiness waits for the agent's READY=1. */
    private boolean saidAgentReadiness;

    WorkerLauncher(SupervisorConfig config, WorkerEnvironment environment, JvmCache jvmCache, WorkerProcesses processes, EventLoop loop) {
        this.config = config;
        this.environment = environment;
        this.jvmCache = jvmCache;
        this.processes = processes;
        this.loop = loop;
    }

    /**
     * Spawns generation {@code gen} for {@code r}. A spawn that fails is logged as an error when {@code logFailure}
     * (at first start, giving up says it once, as the reason) and thrown.
     */
    Worker launch(Reload r, int gen, boolean logFailure) throws CannotSpawn {
        Map<String, String> env;
        JvmCache.Launch launch = null;
        int pid;
        try {
            env = environment.forGeneration(gen);
            launch = jvmCache.launch(gen, config.command(), env);
            pid = processes.spawn(gen, launch.command(), env);
        } catch (SpawnException | IOException e) {
            if (launch != null) {
                launch.notStarted();
            }
            if (logFailure) {
                Log.error(e.getMessage());
            }
            throw new CannotSpawn(e.getMessage());
        }
        launch.started(pid);
        boolean runsAgent = config.readiness() == Readiness.AUTO && Readiness.runsBatonAgent(config.command(), env);
        Worker w = new Worker(gen, pid, r, runsAgent, launch, loop.nanoTime(), loop.now());
        Log.worker(gen, pid).info("starting new worker " + pid);
        if (runsAgent && !saidAgentReadiness) {
            saidAgentReadiness = true;
            Log.worker(gen, pid).info("the worker runs the Baton agent: each generation is ready at its READY=1 (--readiness auto),"
                    + " not after --interval (up to --ready-timeout " + Supervisor.human(config.readyTimeout()) + ")");
        }
        return w;
    }

    /** A generation could not be spawned; the message names the command and the reason. */
    static final class CannotSpawn extends Exception {
        CannotSpawn(String message) {
            super(message);
        }
    }
}
