package dev.baton.sidecar.listen;

/** A socket could not be opened; the message is the one line the user sees. */
public final class ListenException extends Exception {
    private static final long serialVersionUID = 1L;

    public ListenException(String message, Throwable cause) {
        super(message, cause);
    }
}
