package dev.baton.operator.metrics;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/** The operator's Prometheus metrics, served as text on {@code GET /metrics}. */
public class OperatorMetrics {
  private static final double[] BUCKETS = {1, 5, 15, 30, 60, 120, 300, 600, 1800};
  private final Map<String, LongAdder> reloads = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> pods = new ConcurrentHashMap<>();
  private final long[] durationBuckets = new long[BUCKETS.length];
  private long durationCount;
  private double durationSum;

  /** A Reload ended: {@code result} is Succeeded or Failed (invalid specs count as Failed). */
  public void reloadFinished(String result, Duration took) {
    reloads.computeIfAbsent(result, k -> new LongAdder()).increment();
    double s = took.toMillis() / 1000.0;
    synchronized (durationBuckets) {
      for (int i = 0; i < BUCKETS.length; i++) {
        if (s <= BUCKETS[i]) {
          durationBuckets[i]++;
        }
      }
      durationCount++;
      durationSum += s;
    }
  }

  public void podFinished(String result) {
    pods.computeIfAbsent(result, k -> new LongAdder()).increment();
  }

  public String scrape() {
    StringBuilder out = new StringBuilder();
    counter(out, "baton_operator_reloads_total", "Reloads finished, by result.", reloads);
    counter(out, "baton_operator_pods_reloaded_total", "Pod reloads finished, by result.", pods);
    out.append("# HELP baton_operator_reload_duration_seconds Time from a Reload's start to its end.\n")
        .append("# TYPE baton_operator_reload_duration_seconds histogram\n");
    synchronized (durationBuckets) {
      for (int i = 0; i < BUCKETS.length; i++) {
        out.append("baton_operator_reload_duration_seconds_bucket{le=\"").append(BUCKETS[i]).append("\"} ")
            .append(durationBuckets[i]).append('\n');
      }
      out.append("baton_operator_reload_duration_seconds_bucket{le=\"+Inf\"} ").append(durationCount).append('\n')
          .append("baton_operator_reload_duration_seconds_sum ").append(durationSum).append('\n')
          .append("baton_operator_reload_duration_seconds_count ").append(durationCount).append('\n');
    }
    return out.toString();
  }

  private static void counter(StringBuilder out, String name, String help, Map<String, LongAdder> byResult) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(" counter\n");
    new TreeMap<>(byResult).forEach((result, n) ->
        out.append(name).append("{result=\"").append(result).append("\"} ").append(n.sum()).append('\n'));
  }

  /** Serves {@code /metrics} (and {@code /healthz}) on {@code address}; stop the returned server to close it. */
  public HttpServer serve(InetSocketAddress address) throws IOException {
    HttpServer server = HttpServer.create(address, 0);
    server.createContext("/metrics", ex -> {
      byte[] body = scrape().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(body);
      }
    });
    server.createContext("/healthz", ex -> {
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "baton-operator-metrics");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return server;
  }
}
