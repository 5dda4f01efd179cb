package dev.baton.agent.samples;

import java.net.URI;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty 12 with a core handler, answering {@code pid:<pid>}; {@code /slow?ms=N} waits. As most
 * applications do, it sets no stop timeout (no graceful phase of its own) and no shutdown hook.
 */
public final class JettyApp {

  public static void main(String[] args) throws Exception {
    run(Integer.parseInt(args[0]), false);
  }

  /** With {@code h2c}, the connector also speaks HTTP/2 over cleartext (prior knowledge or {@code Upgrade: h2c}). */
  static void run(int port, boolean h2c) throws Exception {
    Server server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    ServerConnector connector = h2c
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
    System.out.println("listening on " + connector.getLocalPort());
    server.join();
  }
}
