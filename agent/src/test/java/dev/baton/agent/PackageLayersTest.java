package dev.baton.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The agent's packages as {@code jdeps} sees the compiled classes: no package cycle, the core (everything outside
 * {@code instrumentation}) depends on no framework's package, and no framework's package on another's. A framework
 * is one package and one line in {@link Instrumentations}. ({@code -Dbaton.agent.classes=DIR} points it at other
 * compiled classes: main's before this layout fail both tests.)
 */
class PackageLayersTest {

  private static final String AGENT = "dev.baton.agent";
  private static final String FRAMEWORKS = AGENT + ".instrumentation.";

  @Test
  void noPackageCycles() {
    assertThat(cycles(dependencies())).isEmpty();
  }

  @Test
  void theCoreNamesNoFrameworkAndFrameworksNameNoOther() {
    List<String> wrong = new ArrayList<>();
    dependencies().forEach((from, targets) -> {
      for (String to : targets) {
        boolean core = !from.startsWith(FRAMEWORKS) && !from.equals(AGENT);
        if (to.startsWith(FRAMEWORKS) && (core || from.startsWith(FRAMEWORKS))) {
          wrong.add(from + " -> " + to);
        }
      }
    });
    assertThat(dependencies()).containsKeys(AGENT + ".adopt", AGENT + ".drain", FRAMEWORKS + "netty");
    assertThat(wrong).isEmpty();
  }

  /** Package to the agent packages its classes use, from {@code jdeps -verbose:package target/classes}. */
  private static Map<String, Set<String>> dependencies() {
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
    StringWriter out = new StringWriter();
    int exit = jdeps.run(new PrintWriter(out), new PrintWriter(out), "-verbose:package", "-filter:none", "-e",
        "dev\\.baton\\.agent.*", System.getProperty("baton.agent.classes", "target/classes"));
    assertThat(exit).as(out.toString()).isZero();
    Map<String, Set<String>> graph = new TreeMap<>();
    for (String line : out.toString().split("\\R")) {
      String[] words = line.trim().split("\\s+");
      if (words.length >= 3 && words[1].equals("->") && words[0].startsWith(AGENT) && words[2].startsWith(AGENT)
          && !words[0].contains(".shaded.") && !words[2].contains(".shaded.")) {
        graph.computeIfAbsent(words[0], key -> new TreeSet<>());
        if (!words[0].equals(words[2])) {
          graph.get(words[0]).add(words[2]);
        }
      }
    }
    return graph;
  }

  /** The strongly connected components of more than one package (Tarjan). */
  private static List<Set<String>> cycles(Map<String, Set<String>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    List<Set<String>> cycles = new ArrayList<>();
    for (String start : graph.keySet()) {
      if (!index.containsKey(start)) {
        connect(start, graph, index, low, stack, cycles);
      }
    }
    return cycles;
  }

  private static void connect(String from, Map<String, Set<String>> graph, Map<String, Integer> index,
      Map<String, Integer> low, Deque<String> stack, List<Set<String>> cycles) {
    index.put(from, index.size());
    low.put(from, index.get(from));
    stack.push(from);
    for (String to : graph.getOrDefault(from, Set.of())) {
      if (!index.containsKey(to)) {
        connect(to, graph, index, low, stack, cycles);
        low.put(from, Math.min(low.get(from), low.get(to)));
      } else if (stack.contains(to)) {
        low.put(from, Math.min(low.get(from), index.get(to)));
      }
    }
    if (low.get(from).equals(index.get(from))) {
      Set<String> component = new TreeSet<>();
      String member;
      do {
        member = stack.pop();
        component.add(member);
      } while (!member.equals(from));
      if (component.size() > 1) {
        cycles.add(component);
      }
    }
  }
}
