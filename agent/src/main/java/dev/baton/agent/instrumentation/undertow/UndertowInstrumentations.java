package dev.baton.agent.instrumentation.undertow;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.CreatedInstrumentation;
import java.util.List;

/** Undertow's classes the agent rewrites, each instrumentation created when its class loads. */
public final class UndertowInstrumentations {

  private static final String SERVER = "io/undertow/Undertow";
  private static final String GRACEFUL_HANDLER = "io/undertow/server/handlers/GracefulShutdownHandler";
  private static final String CONNECTION = "io/undertow/server/protocol/http/HttpServerConnection";
  private static final String HTTP2_CHANNEL = "io/undertow/protocols/http2/Http2Channel";

  private UndertowInstrumentations() {}

  /** The instrumentation of {@code internalName} (under {@code io/undertow/}), or null. */
  public static BatonInstrumentation forType(String internalName) {
    return switch (internalName) {
      case SERVER -> created(SERVER, "serverCreated");
      case GRACEFUL_HANDLER -> created(GRACEFUL_HANDLER, "gracefulHandlerCreated");
      case CONNECTION -> created(CONNECTION, "connectionCreated");
      // Its constructors delegate to one another, so one connection may register more than once (ignored).
      case HTTP2_CHANNEL -> created(HTTP2_CHANNEL, "http2ChannelCreated");
      case "io/undertow/server/protocol/http/HttpTransferEncoding" -> new UndertowKeepAliveInstrumentation();
      case "io/undertow/protocols/http2/Http2GoAwayStreamSinkChannel" -> new UndertowGoAwayInstrumentation();
      default -> null;
    };
  }

  /** Every one of them, each once: what {@link #forType} answers for its own type name. */
  public static List<BatonInstrumentation> all() {
    return List.of(created(SERVER, "serverCreated"), created(GRACEFUL_HANDLER, "gracefulHandlerCreated"),
        created(CONNECTION, "connectionCreated"), created(HTTP2_CHANNEL, "http2ChannelCreated"),
        new UndertowKeepAliveInstrumentation(), new UndertowGoAwayInstrumentation());
  }

  /** Each instance of {@code type} registers for the drain through {@code UndertowSingletons.<hook>(this)}. */
  private static BatonInstrumentation created(String type, String hook) {
    return new CreatedInstrumentation(type, UndertowSingletons.class, hook);
  }
}
