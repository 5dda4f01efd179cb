package dev.baton.sidecar;

/**
 * The supervisor's log: plain lines on stderr, which {@code --log-file} redirects. Lines that
 * start_server prints are kept word for word (scripts grep them); Baton's own additions follow the
 * same lower-case, one-line style.
 */
public final class Log {
    private Log() {
    }

    public static void info(String line) {
        System.err.println(line);
    }

    /** A problem the user must act on: "baton: error: …". */
    public static void error(String line) {
        System.err.println("baton: error: " + line);
    }

    public static void warn(String line) {
        System.err.println("baton: warning: " + line);
    }
}
