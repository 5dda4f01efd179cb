package dev.baton.operator.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mutating admission webhook: HTTPS {@code POST /mutate} with an AdmissionReview (admission.k8s.io/v1)
 * of a Pod, answered with the {@link PodInjector}'s JSON Patch. It always allows the pod: one it cannot
 * inject is admitted unchanged, with the reason as an AdmissionReview warning (shown by kubectl) and a
 * Warning Event. The certificate and key are read again when their files change ({@link ReloadingKeyManager}).
 */
public final class AdmissionWebhook implements AutoCloseable {
  public static final String PATH = "/mutate";
  private static final Logger LOG = LoggerFactory.getLogger(AdmissionWebhook.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  // A pod's AdmissionReview is a few KB and the API server caps objects at ~3 MiB: a larger body is not from it.
  private static final int MAX_BODY = 4 * 1024 * 1024;

  private final HttpsServer server;
  private final ExecutorService handlers;
  private final ExecutorService eventWriter;

  private AdmissionWebhook(HttpsServer server, ExecutorService handlers, ExecutorService eventWriter) {
    this.server = server;
    this.handlers = handlers;
    this.eventWriter = eventWriter;
  }

  /** Serves on {@code address} with the PEM certificate chain and key; {@code client} writes the Events. */
  public static AdmissionWebhook start(InetSocketAddress address, Path certFile, Path keyFile, InjectConfig config,
      ClusterFacts cluster, KubernetesClient client) throws IOException, GeneralSecurityException {
    HttpsServer server = HttpsServer.create(address, 64);
    server.setHttpsConfigurator(new HttpsConfigurator(PemKeys.serverContext(certFile, keyFile)));
    ExecutorService handlers = Executors.newFixedThreadPool(2, r -> daemon(r, "baton-webhook"));
    ExecutorService eventWriter = Executors.newSingleThreadExecutor(r -> daemon(r, "baton-webhook-events"));
    PodInjector injector = new PodInjector(config, cluster);
    InjectionEvents events = new InjectionEvents(client);
    server.createContext(PATH, exchange -> {
      try (exchange) {
        handle(exchange, injector, events, eventWriter);
      } catch (RuntimeException | IOException e) {
        LOG.warn("admission request failed: {}", e.toString());
      }
    });
    server.setExecutor(handlers);
    server.start();
    LOG.info("admission webhook on https://{}:{}{} (injecting {}; agent cache volume {} by default; control token {};"
        + " preStop {})", address.getHostString(), server.getAddress().getPort(), PATH, config.image(),
        config.agentCache() ? "on" : "off", config.tokenSecret() == null ? "none" : "Secret " + config.tokenSecret(),
        config.preStop().flag());
    return new AdmissionWebhook(server, handlers, eventWriter);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void handle(HttpExchange exchange, PodInjector injector, InjectionEvents events,
      ExecutorService eventWriter) throws IOException {
    if (!"POST".equals(exchange.getRequestMethod())) {
      reply(exchange, 405, "text/plain", "POST an admission.k8s.io/v1 AdmissionReview to " + PATH + "\n");
      return;
    }
    JsonNode review;
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(MAX_BODY + 1);
      if (body.length > MAX_BODY) {
        reply(exchange, 413, "text/plain", "AdmissionReview larger than " + MAX_BODY + " bytes\n");
        return;
      }
      review = JSON.readTree(body);
    } catch (IOException e) {
      reply(exchange, 400, "text/plain", "the body is not JSON: send an admission.k8s.io/v1 AdmissionReview\n");
      return;
    }
    JsonNode request = review == null ? null : review.get("request");
    if (request == null || !request.hasNonNull("uid")) {
      reply(exchange, 400, "text/plain", "no request.uid: send an admission.k8s.io/v1 AdmissionReview\n");
      return;
    }

    ObjectNode response = JSON.createObjectNode().put("uid", request.get("uid").asText()).put("allowed", true);
    JsonNode pod = request.path("object");
    if ("Pod".equals(request.path("kind").path("kind").asText()) && pod.isObject()) {
      String namespace = request.path("namespace").asText(pod.path("metadata").path("namespace").asText("default"));
      PodInjector.Result result = injector.inject(pod, namespace);
      if (result.injected()) {
        response.put("patchType", "JSONPatch")
            .put("patch", Base64.getEncoder().encodeToString(JSON.writeValueAsBytes(result.patch())));
        LOG.info("injected Baton into a pod of {} ({})", namespace, result.settings());
      }
      if (!result.allNotices().isEmpty()) {
        result.allNotices().forEach(n -> response.withArray("warnings").add(n.message()));
        if (!request.path("dryRun").asBoolean(false)) {
          // After the answer: the API server must not wait on the Events (sideEffects NoneOnDryRun).
          eventWriter.execute(() -> result.allNotices().forEach(n -> events.record(namespace, pod, n)));
        }
      }
    }
    ObjectNode answer = JSON.createObjectNode()
        .put("apiVersion", review.path("apiVersion").asText("admission.k8s.io/v1"))
        .put("kind", "AdmissionReview");
    answer.set("response", response);
    reply(exchange, 200, "application/json", JSON.writeValueAsString(answer));
  }

  private static void reply(HttpExchange exchange, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public void close() {
    server.stop(0);
    handlers.shutdownNow();
    eventWriter.shutdown();
  }
}
