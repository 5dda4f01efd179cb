package dev.baton.sidecar.supervise;

/** When a new generation counts as ready to take over. */
public enum Readiness {
    /** {@code READY=1} if the worker speaks sd_notify at all before {@code --interval}; otherwise alive after it. */
    AUTO,
    /** Only {@code READY=1} on NOTIFY_SOCKET (or BATON_NOTIFY_FD). */
    NOTIFY,
    /** start_server's rule alone: still alive after {@code --interval}. */
    ALIVE
}
