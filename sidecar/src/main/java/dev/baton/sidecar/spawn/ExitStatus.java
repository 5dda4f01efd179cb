package dev.baton.sidecar.spawn;

import dev.baton.sidecar.posix.Signals;

/**
 * A raw {@code waitpid} status. {@link #raw()} is what start_server prints ("status:15"); the other
 * accessors decode it.
 */
public record ExitStatus(int raw) {
    public boolean exited() {
        return (raw & 0x7f) == 0;
    }

    public int exitCode() {
        return (raw >> 8) & 0xff;
    }

    public int signal() {
        return raw & 0x7f;
    }

    /** "exit code 1" or "killed by SIGKILL". */
    public String describe() {
        return exited() ? "exit code " + exitCode() : "killed by SIG" + Signals.name(signal());
    }
}
