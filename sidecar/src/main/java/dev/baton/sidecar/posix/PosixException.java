package dev.baton.sidecar.posix;

import java.io.IOException;

/** A failed libc call: the call, errno and its text, so callers can say exactly what failed. */
public final class PosixException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public PosixException(String call, int errno) {
        super(call + ": " + Posix.describe(errno));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    /** The error text alone, e.g. "Address already in use". */
    public String reason() {
        return Posix.describe(errno);
    }
}
