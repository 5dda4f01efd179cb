package dev.baton.sample;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;

/** A Vert.x 5 {@code HttpServer} on one event loop; the sleep is a timer, so nothing blocks. */
final class VertxSample {

  private VertxSample() {}

  static void start(SampleConfig config) {
    Vertx vertx = Vertx.vertx();
    Buffer body = Buffer.buffer(Reply.body(config.kind()));
    HttpServerOptions options = new HttpServerOptions().setPort(config.port());
    if (config.host() != null) {
      options.setHost(config.host());
    }
    vertx.createHttpServer(options)
        .requestHandler(request -> {
          Runnable reply = () -> request.response().putHeader("Content-Type", "text/plain").end(body);
          if (config.sleepMillis() > 0) {
            vertx.setTimer(config.sleepMillis(), id -> reply.run());
          } else {
            reply.run();
          }
        })
        .listen()
        .onSuccess(server -> System.out.println("baton-sample: vertx HttpServer listening on port "
            + server.actualPort() + ", pid " + ProcessHandle.current().pid()))
        .onFailure(failure -> {
          System.err.println("baton-sample: cannot listen: " + failure);
          System.exit(1);
        });
  }
}
