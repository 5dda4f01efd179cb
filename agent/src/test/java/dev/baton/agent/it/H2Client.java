package dev.baton.agent.it;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.GoAway;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP/2 as a {@link Mode} says: Vert.x's client, which is on the test class path anyway. {@link #connect} gives
 * one explicit connection whose GOAWAY frames and close the test can watch. Vert.x's client does not retry a
 * request the server refused with GOAWAY, so any race the server leaves shows up as a failed request.
 */
final class H2Client implements AutoCloseable {

  /** How a connection becomes HTTP/2. */
  enum Mode {
    /** h2c, prior knowledge: the connection preface (RFC 9113, section 3.3) first thing on a cleartext connection. */
    PRIOR_KNOWLEDGE,
    /**
     * The connection starts as HTTP/1.1 and its first request carries {@code Upgrade: h2c}; the server answers
     * 101 and that request becomes stream 1, answered over HTTP/2 (RFC 7540, section 3.2). Vert.x's explicit
     * {@code connect()} returns the HTTP/1.1 connection, which upgrades on the first request sent on it.
     */
    UPGRADE,
    /**
     * h2 over TLS, chosen by ALPN in the handshake. Any certificate is trusted: the samples' are self-signed,
     * made for the test run ({@code TlsKeyStore}).
     */
    TLS
  }

  private final Vertx vertx = Vertx.vertx();
  private final HttpClientAgent client;
  private final int port;

  H2Client(int port) {
    this(port, Mode.PRIOR_KNOWLEDGE);
  }

  H2Client(int port, Mode mode) {
    this.port = port;
    HttpClientOptions options = new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(mode == Mode.UPGRADE)
        .setConnectTimeout(10_000);
    if (mode == Mode.TLS) {
      options.setSsl(true).setUseAlpn(true).setTrustAll(true).setVerifyHost(false);
    }
    this.client = vertx.createHttpClient(options);
  }

  /** One HTTP/2 connection of its own, its GOAWAY frames and its close recorded. */
  Connection connect() throws Exception {
    return new Connection(await(client.connect(new HttpConnectOptions().setHost("127.0.0.1").setPort(port))));
  }

  @Override
  public void close() throws Exception {
    await(vertx.close());
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  /** An HTTP/2 connection of the test's own. */
  static final class Connection {

    private final HttpClientConnection connection;
    private final List<GoAway> goAways = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final AtomicInteger unanswered = new AtomicInteger();
    private final CompletableFuture<Integer> unansweredAtFirstGoAway = new CompletableFuture<>();

    private Connection(HttpClientConnection connection) {
      this.connection = connection;
      // Both handlers run on the connection's event loop, as do the answers that decrement unanswered.
      connection.goAwayHandler(goAway -> {
        unansweredAtFirstGoAway.complete(unanswered.get());
        goAways.add(goAway);
      });
      connection.closeHandler(nothing -> closed.complete(null));
    }

    /** GET on this connection; completes with its stream id and {@code "<status> <version> <body>"}. */
    CompletableFuture<Answer> get(String path) {
      unanswered.incrementAndGet();
      return connection.request(HttpMethod.GET, path)
          .compose(request -> request.send().compose(response -> response.body()
              .map(body -> new Answer(request.streamId(),
                  response.statusCode() + " " + response.version() + " " + body))))
          .onComplete(done -> unanswered.decrementAndGet())
          .toCompletionStage().toCompletableFuture();
    }

    List<GoAway> goAways() {
      return List.copyOf(goAways);
    }

    /**
     * How many of this connection's requests were still unanswered when its first GOAWAY arrived: more than
     * zero when the server sent a shutdown notice while serving, zero when its first GOAWAY came only with
     * its close. Empty until a GOAWAY arrives.
     */
    Optional<Integer> unansweredAtFirstGoAway() {
      return Optional.ofNullable(unansweredAtFirstGoAway.getNow(null));
    }

    boolean isClosed() {
      return closed.isDone();
    }
  }

  /** A response on an explicit connection and the id of the stream that carried it. */
  record Answer(int streamId, String response) {}
}
