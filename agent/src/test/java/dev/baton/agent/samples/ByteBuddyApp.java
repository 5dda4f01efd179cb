package dev.baton.agent.samples;

import static net.bytebuddy.matcher.ElementMatchers.named;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.implementation.MethodDelegation;

/**
 * An application that ships its own ByteBuddy, as Hibernate, Mockito-based tools and many agents' hosts do:
 * the JDK HttpServer, whose body comes from a class ByteBuddy generates at start-up. It prints the
 * ByteBuddy it got ({@code app byte-buddy from <jar>}), so a test sees the application's copy
 * was used, not one the Baton agent brought.
 */
public final class ByteBuddyApp {

  public static void main(String[] args) throws Exception {
    @SuppressWarnings("unchecked")
    Supplier<String> body = new ByteBuddy()
        .subclass(Supplier.class)
        .method(named("get")).intercept(MethodDelegation.to(Body.class))
        .make()
        .load(ByteBuddyApp.class.getClassLoader())
        .getLoaded()
        .getDeclaredConstructor()
        .newInstance();
    System.out.println("app byte-buddy from " + ByteBuddy.class.getProtectionDomain().getCodeSource().getLocation());

    HttpServer server = HttpServer.create(new InetSocketAddress(Integer.parseInt(args[0])), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", exchange -> {
      Sample.sleepFor(exchange.getRequestURI());
      byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
  }

  /** The generated class's {@code get()} delegates here. */
  public static final class Body {

    public static String body() {
      return Sample.body();
    }
  }
}
