package dev.baton.sidecar.supervise;

/** The life of one worker process, as the supervisor sees it. */
public enum WorkerState {
    /** Spawned, not yet ready: the previous generation still serves alone. */
    STARTING,
    /** The newest ready generation: it serves. */
    SERVING,
    /** Told to stop (signal-on-hup or signal-on-term): finishing its requests. */
    DRAINING
}
