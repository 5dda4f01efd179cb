package dev.baton.sidecar.listen;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code --port} or {@code --path} value, parsed exactly as Perl's Server::Starter parses it.
 *
 * <p>{@link #envSpec()} is the text that goes before {@code =fd} in {@code SERVER_STARTER_PORT}: the
 * value as given minus whitespace, the {@code u} (UDP) prefix and the {@code =fd} suffix, with IPv6
 * hosts in brackets, e.g. {@code 8080}, {@code 127.0.0.1:8081}, {@code [::1]:8083},
 * {@code /tmp/app.sock}.
 */
public record ListenSpec(Kind kind, String host, int port, String path, boolean udp, OptionalInt fixedFd,
                         String envSpec, String given) {

    public enum Kind { TCP_OR_UDP, UNIX }

    // The two patterns of Server::Starter 0.35 (lib/Server/Starter.pm), kept verbatim in meaning.
    private static final Pattern BARE_PORT = Pattern.compile("^\\s*(u?)(\\d+)(?:\\s*=(\\d+))?\\s*$");
    private static final Pattern HOST_PORT =
            Pattern.compile("^\\s*(?:\\[\\s*|)([^\\]]*?)\\s*(?:\\]\\s*|):\\s*(u?)(\\d+)(?:\\s*=(\\d+))?\\s*$");

    /** Parses a {@code --port} value; throws {@link IllegalArgumentException} with the fix on bad input. */
    public static ListenSpec port(String value) {
        Matcher m = BARE_PORT.matcher(value);
        if (m.matches()) {
            int port = portNumber(m.group(2), value);
            return new ListenSpec(Kind.TCP_OR_UDP, null, port, null, !m.group(1).isEmpty(), fd(m.group(3), value),
                    m.group(2), value);
        }
        m = HOST_PORT.matcher(value);
        if (m.matches()) {
            String host = m.group(1);
            int port = portNumber(m.group(3), value);
            if (host.isEmpty()) {
                throw invalid(value);
            }
            String env = host.contains(":") ? "[" + host + "]:" + m.group(3) : host + ":" + m.group(3);
            return new ListenSpec(Kind.TCP_OR_UDP, host, port, null, !m.group(2).isEmpty(), fd(m.group(4), value),
                    env, value);
        }
        throw invalid(value);
    }

    /** A {@code --path} value: a Unix-domain stream socket at that path. */
    public static ListenSpec path(String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("invalid --path '': give the path of a Unix socket, e.g. --path=/tmp/app.sock");
        }
        if (value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
            throw new IllegalArgumentException("invalid --path '" + value
                    + "': a Unix socket path is limited to 107 bytes; choose a shorter path");
        }
        return new ListenSpec(Kind.UNIX, null, 0, value, false, OptionalInt.empty(), value, value);
    }

    public boolean isIpv6() {
        return host != null && host.contains(":");
    }

    /** How the socket is named in log lines: "0.0.0.0:8080", "[::1]:8080", "udp 0.0.0.0:53", "/tmp/app.sock". */
    public String describe() {
        if (kind == Kind.UNIX) {
            return path;
        }
        String address = host == null ? "0.0.0.0:" + port : envSpec;
        return udp ? "udp " + address : address;
    }

    private static int portNumber(String digits, String value) {
        try {
            int port = Integer.parseInt(digits);
            if (port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // too many digits: reported below
        }
        throw new IllegalArgumentException("invalid --port '" + value + "': port " + digits
                + " is out of range (0-65535)");
    }

    private static OptionalInt fd(String digits, String value) {
        if (digits == null) {
            return OptionalInt.empty();
        }
        int fd = Integer.parseInt(digits);
        if (fd == 1 || fd == 2 || fd > 99) {
            throw new IllegalArgumentException("invalid --port '" + value + "': the fd after '=' must be 0 or 3 to 99"
                    + " (1 and 2 are the worker's stdout and stderr)");
        }
        return OptionalInt.of(fd);
    }

    private static IllegalArgumentException invalid(String value) {
        return new IllegalArgumentException("invalid --port '" + value + "': expected port, host:port, [ipv6]:port,"
                + " optionally u-prefixed for UDP and =fd suffixed, e.g. --port=8080 or --port=127.0.0.1:8080=5");
    }
}
