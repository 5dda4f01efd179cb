package dev.baton.agent.samples;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.http2.Http2Protocol;

/** Embedded Tomcat 11 (NIO connector) with one servlet answering {@code pid:<pid>}; {@code /slow?ms=N} waits. */
public final class TomcatApp {

  /**
   * Tomcat warns when seeding its session-id SecureRandom takes over 100 ms, which on a busy two-core machine
   * it does now and then: a remark on the machine's load, not on the server or the agent, so the sample turns
   * that one logger down (kept here: JUL holds loggers weakly).
   */
  private static final Logger SECURE_RANDOM_TIMING = Logger.getLogger("org.apache.catalina.util.SessionIdGeneratorBase");

  public static void main(String[] args) throws Exception {
    run(Integer.parseInt(args[0]), false);
  }

  /**
   * With {@code h2c}, the connector also speaks HTTP/2 over cleartext: Tomcat takes the connection preface
   * (prior knowledge) and {@code Upgrade: h2c} alike once the connector has an {@code Http2Protocol}.
   */
  static void run(int port, boolean h2c) throws Exception {
    SECURE_RANDOM_TIMING.setLevel(Level.SEVERE);
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("tomcat-sample").toString());
    tomcat.setPort(port);
    Connector connector = tomcat.getConnector();
    if (h2c) {
      connector.addUpgradeProtocol(new Http2Protocol());
    }
    Context context = tomcat.addContext("", null);
    Tomcat.addServlet(context, "pid", new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String query = request.getQueryString();
        Sample.sleepFor(URI.create(request.getRequestURI() + (query == null ? "" : "?" + query)));
        byte[] body = Sample.body().getBytes(StandardCharsets.US_ASCII);
        response.setContentType("text/plain");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
      }
    });
    context.addServletMappingDecoded("/*", "pid");
    tomcat.start();
    System.out.println("listening on " + tomcat.getConnector().getLocalPort());
    tomcat.getServer().await();
  }
}
