package dev.baton.agent.instrumentation.jdkhttpserver;

import dev.baton.agent.adopt.ConnectionTracker;
import dev.baton.agent.bootstrap.JdkInternals;
import dev.baton.agent.drain.FrameworkDrains;
import dev.baton.agent.drain.LazyDrain;
import dev.baton.agent.inject.NamedHooks;
import dev.baton.agent.notify.WarmUp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What the code injected into the JDK HttpServer ({@code jdk.httpserver}) reaches. That module's classes are the
 * platform class loader's, which cannot see the agent: the injected code calls {@code BatonHooks.call(name, ...)}
 * in java.base, and these hooks are bound under those names when the class is rewritten. One small class per hook,
 * not lambdas: lambdas spin classes on the application's start-up path.
 */
public final class JdkHttpServerSingletons {

  /** {@code [server]}: a {@code sun.net.httpserver.ServerImpl} was constructed. */
  static final String SERVER_CREATED = "jdkhttpserver.serverCreated";
  /** {@code [exchange, response headers]}: an exchange is about to send its response headers. */
  static final String RESPONDING = "jdkhttpserver.responding";

  private static final LazyDrain<JdkHttpServerDrain> DRAIN = new LazyDrain<>() {
    @Override
    protected JdkHttpServerDrain create() {
      return new JdkHttpServerDrain(FrameworkDrains.connections(), new JdkInternals());
    }
  };

  private JdkHttpServerSingletons() {}

  static void bindServerCreated() throws ReflectiveOperationException {
    NamedHooks.bind(SERVER_CREATED, new ServerCreated());
  }

  static void bindResponding() throws ReflectiveOperationException {
    NamedHooks.bind(RESPONDING, new Responding());
  }

  private static final class ServerCreated implements Function<Object[], Object> {
    @Override
    public Object apply(Object[] a) {
      DRAIN.get().register(a[0]);
      return null;
    }
  }

  /**
   * Counts the response for the warm-up ({@link WarmUp}), marks the exchange's connection served (see
   * {@link ConnectionTracker}), and while draining makes the response
   * ask the client to close the connection after it. The JDK answers an HTTP/1.0 keep-alive request with a
   * {@code Keep-Alive: timeout=..} header too; it goes, or a client that looks for it (ApacheBench {@code -k} does)
   * would keep using the connection the server closes after this response, and get a reset.
   */
  private static final class Responding implements Function<Object[], Object> {
    @Override
    @SuppressWarnings("unchecked")
    public Object apply(Object[] a) {
      WarmUp.answered();
      JdkHttpServerDrain drain = DRAIN.ifCreated();
      if (drain != null) {
        drain.responding(a[0]);
      }
      if (FrameworkDrains.isDraining()) {
        Map<String, List<String>> headers = (Map<String, List<String>>) a[1];
        headers.put("Connection", new ArrayList<>(List.of("close")));
        headers.remove("Keep-Alive");
      }
      return null;
    }
  }
}
