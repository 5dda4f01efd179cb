package dev.baton.agent.samples;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Jetty 12 with a core handler, answering {@code pid:<pid>}; {@code /slow?ms=N} waits. As most
 * applications do, it sets no stop timeout (no graceful phase of its own) and no shutdown hook.
 */
public final class JettyApp {

  public static void main(String[] args) throws Exception {
    run(Integer.parseInt(args[0]), false, Optional.empty());
  }

  /**
   * With {@code h2c}, the connector also speaks HTTP/2 over cleartext (prior knowledge or {@code Upgrade: h2c});
   * with a key store, TLS instead, and HTTP/2 or HTTP/1.1 as ALPN decides ({@link #tls}).
   */
  static void run(int port, boolean h2c, Optional<Path> keyStore) throws Exception {
    Server server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    ServerConnector connector = keyStore.isPresent()
        ? tls(server, keyStore.get())
        : h2c
            ? new ServerConnector(server, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http))
            : new ServerConnector(server);
    connector.setPort(port);
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        Sample.sleepFor(URI.create(request.getHttpURI().getPathQuery()));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
        Content.Sink.write(response, true, Sample.body(), callback);
        return true;
      }
    });
    server.start();
    System.out.println("listening on " + connector.getLocalPort() + (keyStore.isPresent() ? " (TLS)" : ""));
    server.join();
  }

  /**
   * Jetty's HTTP/2 over TLS: the TLS connection hands over to ALPN, which picks {@code h2} (the client's first
   * choice that the server has) or HTTP/1.1; the ALPN implementation is the JDK's ({@code jetty-alpn-java-server}).
   */
  private static ServerConnector tls(Server server, Path keyStore) {
    HttpConfiguration https = new HttpConfiguration();
    https.addCustomizer(new SecureRequestCustomizer());
    HttpConnectionFactory http11 = new HttpConnectionFactory(https);
    HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(https);
    ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
    alpn.setDefaultProtocol(http11.getProtocol());
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStorePath(keyStore.toString());
    ssl.setKeyStoreType("PKCS12");
    ssl.setKeyStorePassword(TlsKeyStore.PASSWORD);
    ssl.setCipherComparator(HTTP2Cipher.COMPARATOR); // ciphers HTTP/2 allows first (RFC 9113, appendix A)
    return new ServerConnector(server, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, h2, http11);
  }
}
