package dev.baton.agent.inject;

import dev.baton.agent.tooling.BatonInstrumentation;
import dev.baton.agent.tooling.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * A framework's server (or endpoint) class: every instance is registered for the drain at the end of
 * each constructor, through {@code DrainSingletons.<hook>(this)}. Frameworks are loaded by the
 * application's class loader, which sees the agent's classes through the system class loader (but not
 * the hook class inside java.base), so the injected code calls {@link DrainSingletons} directly.
 */
public final class FrameworkCreatedInstrumentation implements BatonInstrumentation {

  /** Vert.x 4/5: each {@code HttpServerImpl}. */
  public static FrameworkCreatedInstrumentation vertxHttpServer() {
    return new FrameworkCreatedInstrumentation("io/vertx/core/http/impl/HttpServerImpl", "vertxServerCreated");
  }

  /** Jetty 12: each {@code Server}. */
  public static FrameworkCreatedInstrumentation jettyServer() {
    return new FrameworkCreatedInstrumentation("org/eclipse/jetty/server/Server", "jettyServerCreated");
  }

  /** Tomcat: each {@code AbstractEndpoint} (one per connector). */
  public static FrameworkCreatedInstrumentation tomcatEndpoint() {
    return new FrameworkCreatedInstrumentation("org/apache/tomcat/util/net/AbstractEndpoint", "tomcatEndpointCreated");
  }

  /** Undertow 2: each {@code Undertow} (built by {@code Undertow.builder().build()}). */
  public static FrameworkCreatedInstrumentation undertowServer() {
    return new FrameworkCreatedInstrumentation("io/undertow/Undertow", "undertowServerCreated");
  }

  /** Undertow 2: each {@code GracefulShutdownHandler}, present only if the application wrapped its handler in one. */
  public static FrameworkCreatedInstrumentation undertowGracefulShutdownHandler() {
    return new FrameworkCreatedInstrumentation("io/undertow/server/handlers/GracefulShutdownHandler",
        "undertowGracefulHandlerCreated");
  }

  /** Undertow 2: each HTTP/1.x connection ({@code HttpServerConnection}), so the drain can close the idle ones. */
  public static FrameworkCreatedInstrumentation undertowConnection() {
    return new FrameworkCreatedInstrumentation("io/undertow/server/protocol/http/HttpServerConnection",
        "undertowConnectionCreated");
  }

  /**
   * Undertow 2: each HTTP/2 connection ({@code Http2Channel}; its constructors delegate to one another, so one
   * connection may register more than once, which the drain ignores).
   */
  public static FrameworkCreatedInstrumentation undertowHttp2Channel() {
    return new FrameworkCreatedInstrumentation("io/undertow/protocols/http2/Http2Channel",
        "undertowHttp2ChannelCreated");
  }

  /** Reactor Netty: each bound server ({@code ServerTransport.DisposableBind}, TCP and HTTP alike). */
  public static FrameworkCreatedInstrumentation reactorNettyServer() {
    return new FrameworkCreatedInstrumentation("reactor/netty/transport/ServerTransport$DisposableBind",
        "reactorNettyServerCreated");
  }

  private final String typeName;
  private final String hook;

  private FrameworkCreatedInstrumentation(String typeName, String hook) {
    this.typeName = typeName;
    this.hook = hook;
  }

  @Override
  public String typeName() {
    return typeName;
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "<init>".equals(name) ? new Created(method, hook) : method;
  }

  /** {@code DrainSingletons.<hook>(this)} before each return of a constructor. */
  static final class Created extends Inject.Epilogue {
    private final String hook;

    Created(MethodVisitor method, String hook) {
      super(method);
      this.hook = hook;
    }

    @Override
    protected void emit(MethodVisitor m) {
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitMethodInsn(Opcodes.INVOKESTATIC, "dev/baton/agent/drain/DrainSingletons", hook, "(Ljava/lang/Object;)V",
          false);
    }
  }
}
