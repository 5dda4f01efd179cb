package dev.baton.agent.instrumentation.jetty;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.CreatedInstrumentation;
import java.util.List;

/** Jetty's classes the agent rewrites, each instrumentation created when its class loads. */
public final class JettyInstrumentations {

  private JettyInstrumentations() {}

  /** The instrumentation of {@code internalName} (under {@code org/eclipse/jetty/}), or null. */
  public static BatonInstrumentation forType(String internalName) {
    return "org/eclipse/jetty/server/Server".equals(internalName) ? serverCreated() : null;
  }

  /** Every one of them, each once: what {@link #forType} answers for its own type name. */
  public static List<BatonInstrumentation> all() {
    return List.of(serverCreated());
  }

  /** Jetty 12: each {@code Server} registers for the drain. */
  private static BatonInstrumentation serverCreated() {
    return new CreatedInstrumentation("org/eclipse/jetty/server/Server", JettySingletons.class, "serverCreated");
  }
}
