package dev.baton.agent.instrumentation.reactornetty;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.CreatedInstrumentation;
import java.util.List;

/** Reactor Netty's classes the agent rewrites, each instrumentation created when its class loads. */
public final class ReactorNettyInstrumentations {

  private static final String SERVER = "reactor/netty/transport/ServerTransport$DisposableBind";

  private ReactorNettyInstrumentations() {}

  /** The instrumentation of {@code internalName} (under {@code reactor/netty/}), or null. */
  public static BatonInstrumentation forType(String internalName) {
    return switch (internalName) {
      case SERVER -> serverCreated();
      case "reactor/netty/http/server/HttpTrafficHandler" -> new ReactorNettyKeepAliveInstrumentation();
      default -> null;
    };
  }

  /** Every one of them, each once: what {@link #forType} answers for its own type name. */
  public static List<BatonInstrumentation> all() {
    return List.of(serverCreated(), new ReactorNettyKeepAliveInstrumentation());
  }

  /** Reactor Netty: each bound server ({@code ServerTransport.DisposableBind}) registers for the drain. */
  private static BatonInstrumentation serverCreated() {
    return new CreatedInstrumentation(SERVER, ReactorNettySingletons.class, "serverCreated");
  }
}
