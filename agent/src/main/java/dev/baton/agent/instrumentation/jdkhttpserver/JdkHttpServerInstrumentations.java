package dev.baton.agent.instrumentation.jdkhttpserver;

import dev.baton.agent.inject.BatonInstrumentation;
import java.util.List;

/** The JDK HttpServer's classes ({@code sun.net.httpserver}) the agent rewrites, each created when its class loads. */
public final class JdkHttpServerInstrumentations {

  private JdkHttpServerInstrumentations() {}

  /** The instrumentation of {@code internalName} (under {@code sun/net/httpserver/}), or null. */
  public static BatonInstrumentation forType(String internalName) {
    return switch (internalName) {
      case "sun/net/httpserver/ServerImpl" -> new JdkHttpServerInstrumentation();
      case "sun/net/httpserver/ExchangeImpl" -> new JdkHttpExchangeInstrumentation();
      default -> null;
    };
  }

  /** Every one of them, each once: what {@link #forType} answers for its own type name. */
  public static List<BatonInstrumentation> all() {
    return List.of(new JdkHttpServerInstrumentation(), new JdkHttpExchangeInstrumentation());
  }
}
