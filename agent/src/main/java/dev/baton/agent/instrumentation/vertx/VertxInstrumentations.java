package dev.baton.agent.instrumentation.vertx;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.CreatedInstrumentation;
import java.util.List;

/** Vert.x's classes the agent rewrites, each instrumentation created when its class loads. */
public final class VertxInstrumentations {

  private VertxInstrumentations() {}

  /** The instrumentation of {@code internalName} (under {@code io/vertx/}), or null. */
  public static BatonInstrumentation forType(String internalName) {
    return switch (internalName) {
      case "io/vertx/core/http/impl/HttpServerImpl" -> httpServerCreated();
      case "io/vertx/core/http/impl/HttpUtils" -> new VertxKeepAliveInstrumentation();
      default -> null;
    };
  }

  /** Every one of them, each once: what {@link #forType} answers for its own type name. */
  public static List<BatonInstrumentation> all() {
    return List.of(httpServerCreated(), new VertxKeepAliveInstrumentation());
  }

  /** Vert.x 4/5: each {@code HttpServerImpl} registers for the drain. */
  private static BatonInstrumentation httpServerCreated() {
    return new CreatedInstrumentation("io/vertx/core/http/impl/HttpServerImpl", VertxSingletons.class, "serverCreated");
  }
}
