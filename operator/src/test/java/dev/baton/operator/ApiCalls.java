package dev.baton.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;

/**
 * Records the API calls the operator makes (requests with its User-Agent) in every test, as
 * "verb group/resource" (or "verb group/resource/name" when a rule with resourceNames is what allows it),
 * and checks each is allowed by {@code rbac.yaml}.
 */
public final class ApiCalls {
  /** Every call seen in this JVM's tests so far. */
  public static final Set<String> SEEN = new ConcurrentSkipListSet<>();

  private ApiCalls() {}

  /** Drains the mock server's recorded requests; asserts the operator's ones are all allowed. */
  public static void checkAllowed(KubernetesMockServer server) throws Exception {
    List<String> calls = drain(server);
    SEEN.addAll(calls);
    ClusterRole role = clusterRole();
    for (String call : new TreeSet<>(calls)) {
      assertThat(allowed(role, call)).as("rbac.yaml allows " + call).isTrue();
    }
  }

  /** The operator's calls recorded since the last drain, as {@link #granted} spells them. */
  public static List<String> drain(KubernetesMockServer server) throws Exception {
    Set<String> granted = granted(clusterRole());
    List<String> calls = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
      String ua = r.getHeader("User-Agent");
      // GET /version (the webhook's ApiServerFacts) is a non-resource URL every authenticated client may read
      // (the built-in system:public-info-viewer ClusterRole): no rule of the operator's grants it.
      if (ua != null && ua.startsWith(BatonOperator.USER_AGENT) && !r.getPath().startsWith("/version")) {
        String call = toCall(r.getMethod(), r.getPath());
        String name = nameOf(r.getPath());
        calls.add(name != null && granted.contains(call + "/" + name) ? call + "/" + name : call);
      }
    }
    return calls;
  }

  public static ClusterRole clusterRole() throws Exception {
    try (InputStream in = ApiCalls.class.getResourceAsStream("/rbac.yaml")) {
      return Serialization.unmarshal(in, ClusterRole.class);
    }
  }

  /** Every "verb group/resource" the ClusterRole grants, "verb group/resource/name" for a rule naming objects. */
  public static Set<String> granted(ClusterRole role) {
    Set<String> out = new TreeSet<>();
    for (PolicyRule rule : role.getRules()) {
      for (String g : rule.getApiGroups()) {
        for (String res : rule.getResources()) {
          for (String v : rule.getVerbs()) {
            if (rule.getResourceNames() == null || rule.getResourceNames().isEmpty()) {
              out.add(v + " " + g + "/" + res);
            } else {
              rule.getResourceNames().forEach(n -> out.add(v + " " + g + "/" + res + "/" + n));
            }
          }
        }
      }
    }
    return out;
  }

  static boolean allowed(ClusterRole role, String call) {
    return granted(role).contains(call);
  }

  /** The object's name of a request on one object ("/api/v1/namespaces/x/secrets/s" → "s"), else null. */
  static String nameOf(String path) {
    List<String> seg = new ArrayList<>(List.of(URI.create(path).getPath().replaceFirst("^/", "").split("/")));
    seg = seg.get(0).equals("api") ? seg.subList(2, seg.size()) : seg.subList(3, seg.size());
    if (!seg.isEmpty() && seg.get(0).equals("namespaces") && seg.size() > 2) {
      seg = seg.subList(2, seg.size());
    }
    return seg.size() > 1 ? seg.get(1) : null;
  }

  /** "GET /apis/apps/v1/namespaces/x/deployments?watch=true" → "watch apps/deployments". */
  static String toCall(String method, String path) {
    URI uri = URI.create(path);
    String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
    List<String> seg = new ArrayList<>(List.of(uri.getPath().replaceFirst("^/", "").split("/")));
    String group;
    if (seg.get(0).equals("api")) {
      group = "";
      seg = seg.subList(2, seg.size());
    } else {
      group = seg.get(1);
      seg = seg.subList(3, seg.size());
    }
    if (!seg.isEmpty() && seg.get(0).equals("namespaces") && seg.size() > 2) {
      seg = seg.subList(2, seg.size());
    }
    String resource = seg.get(0);
    boolean named = seg.size() > 1;
    if (seg.size() > 2) {
      resource += "/" + seg.get(2);
    }
    String verb = switch (method) {
      case "GET" -> named ? "get" : query.contains("watch=true") || query.contains("watch=1") ? "watch" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> named ? "delete" : "deletecollection";
      default -> method.toLowerCase(java.util.Locale.ROOT);
    };
    return verb + " " + group + "/" + resource;
  }
}
