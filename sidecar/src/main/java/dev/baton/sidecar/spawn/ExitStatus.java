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

    /**
     * As a person reads it: "exit code 1"; "exit code 143 (TERM)" where the code is 128 + a signal's number,
     * as a JVM (or a shell) exits after that signal; "killed by SIGKILL", ", core dumped" when it did.
     */
    public String describe() {
        if (exited()) {
            int code = exitCode();
            return "exit code " + code + (code > 128 && code <= 128 + 31 ? " (" + Signals.name(code - 128) + ")" : "");
        }
        return "killed by SIG" + Signals.name(signal()) + ((raw & 0x80) != 0 ? ", core dumped" : "");
    }
}
