package dev.baton.sidecar.spawn;

import dev.baton.sidecar.posix.Posix;

/** The worker command could not be started at all (as opposed to a worker that started and died). */
public final class SpawnException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public SpawnException(String message) {
        super(message);
        this.errno = 0;
    }

    public SpawnException(String command, int errno) {
        super("cannot execute worker command '" + command + "': " + Posix.describe(errno) + hint(errno));
        this.errno = errno;
    }

    /** The error posix_spawn returned, or 0 when it failed before that. */
    public int errno() {
        return errno;
    }

    private static String hint(int errno) {
        return switch (errno) {
            case 2 -> " (not found: check the command after '--', its PATH, or --dir)";
            case 13 -> " (permission denied: make it executable, e.g. chmod +x)";
            case 8 -> " (not an executable format: add a #! line or run it through its interpreter)";
            default -> "";
        };
    }
}
