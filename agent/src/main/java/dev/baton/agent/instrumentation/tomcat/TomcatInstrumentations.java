package dev.baton.agent.instrumentation.tomcat;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.CreatedInstrumentation;
import java.util.List;

/** Tomcat's classes the agent rewrites, each instrumentation created when its class loads. */
public final class TomcatInstrumentations {

  private TomcatInstrumentations() {}

  /** The instrumentation of {@code internalName} (under {@code org/apache/}), or null. */
  public static BatonInstrumentation forType(String internalName) {
    return switch (internalName) {
      case "org/apache/tomcat/util/net/AbstractEndpoint" -> endpointCreated();
      case "org/apache/tomcat/util/net/Acceptor" -> new TomcatAcceptorInstrumentation();
      case "org/apache/coyote/http11/Http11Processor" -> new TomcatHttp11ProcessorInstrumentation();
      case "org/apache/coyote/http2/Http2Protocol" -> new TomcatHttp2ProtocolInstrumentation();
      default -> null;
    };
  }

  /** Every one of them, each once: what {@link #forType} answers for its own type name. */
  public static List<BatonInstrumentation> all() {
    return List.of(endpointCreated(), new TomcatAcceptorInstrumentation(), new TomcatHttp11ProcessorInstrumentation(),
        new TomcatHttp2ProtocolInstrumentation());
  }

  /** Tomcat: each {@code AbstractEndpoint} (one per connector) registers for the drain. */
  private static BatonInstrumentation endpointCreated() {
    return new CreatedInstrumentation("org/apache/tomcat/util/net/AbstractEndpoint", TomcatSingletons.class,
        "endpointCreated");
  }
}
