package dev.baton.agent.adopt;

import dev.baton.agent.inject.BatonInstrumentation;
import java.util.List;

/** The JDK classes adoption rewrites ({@code sun.nio.ch}), each instrumentation created when its class loads. */
public final class JdkChannelInstrumentations {

  private JdkChannelInstrumentations() {}

  /** The instrumentation of {@code internalName}, or null. */
  public static BatonInstrumentation forType(String internalName) {
    return switch (internalName) {
      case "sun/nio/ch/ServerSocketChannelImpl" -> new ServerSocketChannelInstrumentation();
      case "sun/nio/ch/AsynchronousServerSocketChannelImpl" -> new AsyncServerSocketChannelInstrumentation();
      case "sun/nio/ch/UnixAsynchronousServerSocketChannelImpl" -> new UnixAsyncServerSocketChannelInstrumentation();
      case "sun/nio/ch/NioSocketImpl" -> new NioSocketImplInstrumentation();
      case "sun/nio/ch/SelectionKeyImpl" -> new SelectionKeyInstrumentation();
      // Always, although only an inherited AF_INET socket needs its hook: whether one was inherited is
      // known only once the sockets are checked, which loads Net, and transforming it then costs less
      // than a retransformation later.
      case "sun/nio/ch/Net" -> new NetInstrumentation();
      default -> null;
    };
  }

  /** Every one of them, each once: what {@link #forType} answers for its own type name. */
  public static List<BatonInstrumentation> all() {
    return List.of(
        new ServerSocketChannelInstrumentation(),
        new AsyncServerSocketChannelInstrumentation(),
        new UnixAsyncServerSocketChannelInstrumentation(),
        new NioSocketImplInstrumentation(),
        new SelectionKeyInstrumentation(),
        new NetInstrumentation());
  }
}
