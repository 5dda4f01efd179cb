package dev.baton.agent.instrumentation.vertx;

import dev.baton.agent.inject.BatonInstrumentation;
import dev.baton.agent.inject.Inject;
import net.bytebuddy.jar.asm.MethodVisitor;

/**
 * Vert.x 5 {@code io.vertx.core.http.impl.HttpUtils.isKeepAlive(HttpRequest)}: false while draining.
 *
 * <p>Why: Vert.x's own {@code HttpServer.shutdown} closes each HTTP/1.x connection after its current
 * response, but that response was prepared as keep-alive (the decision is taken when the request
 * begins), so the client sends its next request on a connection the server is closing and gets a reset
 * ({@code ab -k} counted hundreds per reload). {@code Http1xServerConnection} asks this method when a
 * request begins; a false answer makes Vert.x itself write {@code Connection: close} (no
 * {@code keep-alive} for HTTP/1.0) and close the connection after that response. The drain therefore
 * waits a little (the agent's {@code keepAliveGrace}) for busy connections to close this way before it
 * calls {@code shutdown}, which then only has idle connections left to close.
 */
public final class VertxKeepAliveInstrumentation implements BatonInstrumentation {

  @Override
  public String typeName() {
    return "io/vertx/core/http/impl/HttpUtils";
  }

  @Override
  public MethodVisitor rewrite(String name, String descriptor, MethodVisitor method) {
    return "isKeepAlive".equals(name) && "(Lio/netty/handler/codec/http/HttpRequest;)Z".equals(descriptor)
        ? new FalseWhileDraining(method)
        : method;
  }

  /** {@code if (VertxSingletons.closeAfterResponse()) return false;} */
  static final class FalseWhileDraining extends Inject.Prologue {
    FalseWhileDraining(MethodVisitor method) {
      super(method);
    }

    @Override
    protected void emit(MethodVisitor m) {
      Inject.callAgent(m, VertxSingletons.class, "closeAfterResponse", "()Z");
      Inject.returnFalseIfTrue(m);
    }
  }
}
