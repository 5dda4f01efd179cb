package dev.baton.sidecar.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A minimal HTTP/1.0 client over TCP or a Unix socket: one request per connection, the whole
 * response read, so a truncated or reset response is an exception, never a silent pass.
 */
public final class Http {
    private Http() {
    }

    public record Response(int status, String body) {
    }

    public static Response get(int port, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.setSoTimeout(30_000);
            return exchange(s.getInputStream(), s.getOutputStream(), path);
        }
    }

    public static Response get(Path unixSocket, String path) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(unixSocket));
            return exchange(Channels.newInputStream(ch), Channels.newOutputStream(ch), path);
        }
    }

    /** The body of {@code GET path} on 127.0.0.1:port; fails on any status but 200. */
    public static String body(int port, String path) throws IOException {
        Response r = get(port, path);
        if (r.status() != 200) {
            throw new IOException("HTTP " + r.status() + " for " + path + ": " + r.body());
        }
        return r.body();
    }

    private static Response exchange(InputStream in, OutputStream out, String path) throws IOException {
        out.write(("GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        int headerEnd = response.indexOf("\r\n\r\n");
        if (!response.startsWith("HTTP/") || headerEnd < 0) {
            throw new IOException("incomplete HTTP response: '" + response + "'");
        }
        int status = Integer.parseInt(response.substring(9, 12));
        String body = response.substring(headerEnd + 4);
        String lengthHeader = response.substring(0, headerEnd).lines()
                .filter(l -> l.regionMatches(true, 0, "Content-Length:", 0, 15)).findFirst().orElse(null);
        if (lengthHeader != null && Integer.parseInt(lengthHeader.substring(15).trim())
                != body.getBytes(StandardCharsets.UTF_8).length) {
            throw new IOException("truncated HTTP response body: '" + body + "'");
        }
        return new Response(status, body);
    }

}
