package dev.baton.agent.it;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A connection the server accepts now but that turns HTTP/2 only when told: the TCP connection is opened at
 * once, and the TLS handshake (ALPN {@code h2}) or the h2c preface comes later, by hand. Then it reads frames
 * until the first GOAWAY. A drain's shutdown notice goes to the connections that speak HTTP/2 when it begins;
 * this is the one accepted before the listener closed that speaks HTTP/2 only after that.
 */
final class LateH2Connection implements AutoCloseable {

  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int SETTINGS = 0x4;
  private static final int GOAWAY = 0x7;

  private final Socket socket;

  LateH2Connection(int port, H2Client.Mode mode) throws IOException, GeneralSecurityException {
    socket = mode == H2Client.Mode.TLS ? trustingAll().getSocketFactory().createSocket("127.0.0.1", port)
        : new Socket("127.0.0.1", port);
    socket.setSoTimeout(20_000);
  }

  /** The TLS handshake (when TLS), then the client preface and an empty SETTINGS frame. */
  void speakHttp2() throws IOException {
    if (socket instanceof SSLSocket tls) {
      SSLParameters parameters = tls.getSSLParameters();
      parameters.setApplicationProtocols(new String[] {"h2"});
      tls.setSSLParameters(parameters);
      tls.startHandshake();
      if (!"h2".equals(tls.getApplicationProtocol())) {
        throw new IOException("ALPN chose " + tls.getApplicationProtocol() + ", not h2");
      }
    }
    OutputStream out = socket.getOutputStream();
    out.write(PREFACE);
    out.write(new byte[] {0, 0, 0, SETTINGS, 0, 0, 0, 0, 0}); // length 0, no flags, stream 0
    out.flush();
  }

  /** Reads frames up to the first GOAWAY; end of stream or 20 s of silence before one is an IOException. */
  GoAwayFrame awaitGoAway() throws IOException {
    DataInputStream in = new DataInputStream(socket.getInputStream());
    while (true) {
      int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
      int type = in.readUnsignedByte();
      in.readUnsignedByte(); // flags
      in.readInt(); // stream id
      byte[] payload = in.readNBytes(length);
      if (payload.length < length) {
        throw new IOException("connection closed inside a frame");
      }
      if (type == GOAWAY) {
        DataInputStream goAway = new DataInputStream(new java.io.ByteArrayInputStream(payload));
        return new GoAwayFrame(goAway.readInt() & Integer.MAX_VALUE, goAway.readInt() & 0xFFFFFFFFL);
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  record GoAwayFrame(int lastStreamId, long errorCode) {}

  /** The samples' certificates are self-signed, made for the run: this test client trusts any. */
  private static SSLContext trustingAll() throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    return context;
  }
}
