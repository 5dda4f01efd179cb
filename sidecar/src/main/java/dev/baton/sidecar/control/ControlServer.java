package dev.baton.sidecar.control;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.baton.sidecar.memory.MemoryGate;
import dev.baton.sidecar.supervise.ReloadView;
import dev.baton.sidecar.supervise.Supervisor;
import dev.baton.sidecar.supervise.SupervisorSnapshot;
import dev.baton.sidecar.supervise.WorkerView;
import dev.baton.sidecar.watch.ExpectedConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The control and health HTTP API, on its own single-threaded Vert.x instance. It owns no state:
 * every request asks the supervisor's loop ({@link Supervisor#snapshot()},
 * {@link Supervisor#requestReload}) and answers from what comes back.
 *
 * <pre>
 * GET  /healthz        200 while the supervisor's loop answers (liveness)
 * GET  /readyz         200 while a worker of the newest ready generation serves (readiness)
 * GET  /status         JSON: generation, workers (generation, pid, state), recent reloads, gates, memory
 * POST /reload         202 {"id":…}: like a HUP; coalesced while a generation is starting or waiting;
 *                      {"expect": [{"path": …, "sha256": …}]} starts it only once that config is mounted
 * GET  /reloads/{id}   JSON: state queued|waiting|starting|retrying|draining|succeeded|failed, attempts, message, timings
 * GET  /metrics        Prometheus text format
 * </pre>
 *
 * With a token, everything but the two probes needs {@code Authorization: Bearer <token>}.
 */
public final class ControlServer implements AutoCloseable {
    /** Control requests carry no real payload; anything bigger is refused before it is buffered. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    private static final long LOOP_TIMEOUT_SECONDS = 5;

    private final Vertx vertx;
    private final Supervisor supervisor;
    private final byte[] tokenDigest;

    private ControlServer(Vertx vertx, Supervisor supervisor, byte[] tokenDigest) {
        this.vertx = vertx;
        this.supervisor = supervisor;
        this.tokenDigest = tokenDigest;
    }

    /** What is wrong with a --control value, in one line; null if it is a HOST:PORT. */
    public static String addressProblem(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            return "invalid --control '" + hostPort + "': expected HOST:PORT, e.g. 127.0.0.1:8081";
        }
        try {
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            return port >= 0 && port <= 65535 ? null : "invalid --control '" + hostPort + "': the port is not between 0 and 65535";
        } catch (NumberFormatException e) {
            return "invalid --control '" + hostPort + "': the port is not a number";
        }
    }

    /** Binds {@code host:port}; throws with a one-line reason (port in use, bad address). */
    public static ControlServer start(String hostPort, Path tokenFile, Supervisor supervisor) throws IOException {
        String problem = addressProblem(hostPort);
        if (problem != null) {
            throw new IOException(problem);
        }
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        byte[] digest = tokenFile == null ? null : sha256(Files.readString(tokenFile).trim());
        System.setProperty("vertx.disableFileCPResolving", "true"); // no .vertx cache directory in the cwd
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        ControlServer control = new ControlServer(vertx, supervisor, digest);
        HttpServer server = vertx.createHttpServer().requestHandler(control::handle);
        try {
            server.listen(port, host).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            vertx.close();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException("cannot serve the control API on " + hostPort + ": " + cause.getMessage()
                    + " (choose another --control address)", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            vertx.close();
            throw new IOException("interrupted while starting the control API", e);
        }
        return control;
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // shutting down anyway
        }
    }

    private void handle(HttpServerRequest request) {
        String path = request.path();
        boolean probe = "/healthz".equals(path) || "/readyz".equals(path);
        if (!probe && tokenDigest != null && !authorized(request.getHeader("Authorization"))) {
            request.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer realm=\"baton\"")
                    .putHeader("Content-Type", "application/json").end(error("missing or wrong bearer token"));
            return;
        }
        String contentLength = request.getHeader("Content-Length");
        if (contentLength != null && parseLong(contentLength) > MAX_BODY_BYTES) {
            request.response().setStatusCode(413).putHeader("Connection", "close")
                    .putHeader("Content-Type", "application/json").end(error("request body larger than " + MAX_BODY_BYTES + " bytes"));
            return;
        }
        request.body().onComplete(body -> {
            if (body.failed()) {
                request.response().setStatusCode(400).end(error("cannot read request body"));
                return;
            }
            if (body.result().length() > MAX_BODY_BYTES) {
                request.response().setStatusCode(413).putHeader("Content-Type", "application/json")
                        .end(error("request body larger than " + MAX_BODY_BYTES + " bytes"));
                return;
            }
            route(request, path, body.result().toString(StandardCharsets.UTF_8));
        });
    }

    private void route(HttpServerRequest request, String path, String body) {
        HttpMethod method = request.method();
        if (path.startsWith("/reloads/")) {
            if (!allow(request, HttpMethod.GET)) {
                return;
            }
            long id = parseLong(path.substring("/reloads/".length()));
            if (id <= 0) {
                json(request, 404, error("no reload with id '" + path.substring("/reloads/".length()) + "'"));
                return;
            }
            answer(request, supervisor.reload(id).thenApply(r -> r.map(v -> reloadJson(v).encode()).orElse(null)),
                    (status, text) -> json(request, text == null ? 404 : 200, text == null ? error("no reload with id " + id) : text));
            return;
        }
        switch (path) {
            case "/healthz" -> {
                if (allow(request, HttpMethod.GET)) {
                    answer(request, supervisor.snapshot(), (ok, s) -> text(request, 200, "ok\n"));
                }
            }
            case "/readyz" -> {
                if (allow(request, HttpMethod.GET)) {
                    answer(request, supervisor.snapshot(), (ok, s) -> {
                        if (s.shuttingDown()) {
                            text(request, 503, "shutting down\n");
                        } else if (s.ready()) {
                            text(request, 200, "ready\n");
                        } else {
                            text(request, 503, "no ready worker\n");
                        }
                    });
                }
            }
            case "/status" -> {
                if (allow(request, HttpMethod.GET)) {
                    answer(request, supervisor.snapshot(), (ok, s) -> json(request, 200, statusJson(s).encodePrettily()));
                }
            }
            case "/metrics" -> {
                if (allow(request, HttpMethod.GET)) {
                    answer(request, supervisor.snapshot(), (ok, s) -> {
                        request.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                        text(request, 200, PrometheusText.render(s));
                    });
                }
            }
            case "/reload" -> {
                if (!allow(request, HttpMethod.POST)) {
                    return;
                }
                String trigger = "api";
                List<ExpectedConfig> expected = List.of();
                Duration expectTimeout = null;
                if (!body.isBlank()) {
                    try {
                        JsonObject json = new JsonObject(body);
                        Object reason = json.getValue("reason");
                        if (reason != null && !(reason instanceof String)) {
                            json(request, 400, error("'reason' must be a string"));
                            return;
                        }
                        Object expect = json.getValue("expect");
                        if (expect != null) {
                            expected = new ArrayList<>();
                            String problem = expectedConfigs(expect, expected);
                            if (problem != null) {
                                json(request, 400, error(problem));
                                return;
                            }
                        }
                        Object timeout = json.getValue("expectTimeout");
                        if (timeout != null) {
                            expectTimeout = timeout instanceof String t ? ExpectedConfig.timeout(t) : null;
                            if (expectTimeout == null || expected.isEmpty()) {
                                json(request, 400, error(expected.isEmpty() ? "expectTimeout needs expect"
                                        : "expectTimeout must be a duration such as \"90s\" or \"2m\""));
                                return;
                            }
                        }
                    } catch (DecodeException | ClassCastException e) {
                        json(request, 400, error("the body must be empty or a JSON object, e.g. {\"reason\":\"deploy 42\"}"));
                        return;
                    }
                }
                answer(request, supervisor.requestReload(trigger, expected, expectTimeout), (ok, r) -> {
                    if (r == null) {
                        json(request, 503, error("the supervisor is shutting down"));
                    } else {
                        request.response().putHeader("Location", "/reloads/" + r.id());
                        json(request, 202, reloadJson(r).encode());
                    }
                });
            }
            default -> json(request, 404, error("no such endpoint: " + method + " " + path));
        }
    }

    /**
     * {@code expect}: a list of {@code {"path": …, "sha256": "sha256:…"}} (a pod may mount several configs), or
     * one. Fills {@code into}; returns the problem in one line, or null.
     */
    static String expectedConfigs(Object expect, List<ExpectedConfig> into) {
        JsonArray items = expect instanceof JsonArray a ? a : new JsonArray().add(expect);
        if (items.isEmpty()) {
            return "expect is an empty list: leave it out, or give [{\"path\": \"/etc/app\", \"sha256\": \"sha256:…\"}]";
        }
        for (Object item : items) {
            if (!(item instanceof JsonObject o) || !(o.getValue("path") instanceof String path)
                    || !(o.getValue("sha256") instanceof String sha256)) {
                return "expect must be [{\"path\": \"/etc/app\", \"sha256\": \"sha256:…\"}, …]";
            }
            String problem = ExpectedConfig.problem(path, sha256);
            if (problem != null) {
                return problem;
            }
            into.add(new ExpectedConfig(Path.of(path), sha256));
        }
        return null;
    }

    private boolean allow(HttpServerRequest request, HttpMethod method) {
        if (request.method().equals(method)) {
            return true;
        }
        request.response().putHeader("Allow", method.name());
        json(request, 405, error("use " + method.name() + " for " + request.path()));
        return false;
    }

    private interface Reply<T> {
        void send(boolean ok, T value);
    }

    /** Waits (off the Vert.x loop) for the supervisor's answer, then replies on the request's context. */
    private <T> void answer(HttpServerRequest request, CompletableFuture<T> future, Reply<T> reply) {
        future.orTimeout(LOOP_TIMEOUT_SECONDS, TimeUnit.SECONDS).whenComplete((value, failure) ->
                vertx.runOnContext(v -> {
                    if (failure != null) {
                        text(request, 503, "supervisor not responding: " + failure.getMessage() + "\n");
                    } else {
                        reply.send(true, value);
                    }
                }));
    }

    private boolean authorized(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // Comparing fixed-length digests keeps the check constant-time whatever the token's length.
        return MessageDigest.isEqual(tokenDigest, sha256(header.substring(7).trim()));
    }

    static JsonObject statusJson(SupervisorSnapshot s) {
        JsonArray workers = new JsonArray();
        for (WorkerView w : s.workers()) {
            JsonObject o = new JsonObject().put("generation", w.generation()).put("pid", w.pid()).put("state", w.state())
                    .put("startedAt", w.startedAt().toString());
            if (w.status() != null) {
                o.put("status", w.status());
            }
            workers.add(o);
        }
        JsonArray reloads = new JsonArray();
        s.recentReloads().forEach(r -> reloads.add(reloadJson(r)));
        JsonObject status = new JsonObject().put("pid", s.supervisorPid()).put("generation", s.generation())
                .put("ready", s.ready()).put("shuttingDown", s.shuttingDown()).put("crashLoop", s.crashLoop())
                .put("reloadRetries", new JsonObject().put("limit", s.reloadRetryLimit()).put("started", s.reloadRetries()))
                .put("features", new JsonArray().add("expect")) // what POST /reload honours beyond a plain reload
                .put("gates", new JsonObject().put("maxGenerations", s.gates().maxGenerations()).put("waiting", s.gates().waiting())
                        .put("waits", new JsonObject(Map.copyOf(s.gates().waits())))
                        .put("refusals", new JsonObject(Map.copyOf(s.gates().refusals()))));
        MemoryGate.Status m = s.gates().memory();
        if (m != null) {
            status.put("memory", new JsonObject().put("cgroup", m.cgroup()).put("limitBytes", m.limitBytes())
                    .put("usageBytes", m.usageBytes()).put("workingSetBytes", m.workingSetBytes()).put("oomKills", m.oomKills())
                    .put("generationEstimateBytes", m.estimateBytes()).put("generationEstimateOf", m.estimateOf())
                    .put("marginBytes", m.marginBytes()).put("generationMemory", m.generationSize())
                    .put("memoryMargin", m.margin().toString()));
        }
        return status.put("workers", workers).put("reloads", reloads);
    }

    static JsonObject reloadJson(ReloadView r) {
        JsonObject o = new JsonObject().put("id", r.id()).put("state", r.state()).put("trigger", r.trigger())
                .put("generation", r.generation()).put("message", r.message())
                .put("requestedAt", r.requestedAt().toString()).put("attempts", r.attempts());
        if (r.nextAttemptAt() != null) {
            o.put("nextAttemptAt", r.nextAttemptAt().toString());
        }
        if (r.finishedAt() != null) {
            o.put("finishedAt", r.finishedAt().toString());
        }
        if (r.readyMillis() >= 0) {
            o.put("readyMillis", r.readyMillis());
        }
        if (r.doneMillis() >= 0) {
            o.put("doneMillis", r.doneMillis());
        }
        return o;
    }

    private static void json(HttpServerRequest request, int status, String body) {
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
    }

    private static void text(HttpServerRequest request, int status, String body) {
        if (request.response().headers().get("Content-Type") == null) {
            request.response().putHeader("Content-Type", "text/plain; charset=utf-8");
        }
        request.response().setStatusCode(status).end(body);
    }

    private static String error(String message) {
        return new JsonObject().put("error", message).encode();
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
