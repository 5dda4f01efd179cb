package dev.baton.agent.drain;

import dev.baton.agent.adopt.ConnectionTracker;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the frameworks' packages reach of the drain: the drains registered so far ({@link LazyDrain}), whether the
 * drain has begun (code injected into a framework asks it before each response), and the connections accepted on
 * adopted listeners. Set once at start-up; static, because injected code reaches it through static calls.
 */
public final class FrameworkDrains {

  private static final List<FrameworkDrain> REGISTERED = new CopyOnWriteArrayList<>();
  private static volatile Drainer drainer;
  private static volatile ConnectionTracker connections;

  private FrameworkDrains() {}

  /** At set-up, before any framework class is rewritten. */
  public static void install(Drainer draining, ConnectionTracker tracked) {
    drainer = draining;
    connections = tracked;
  }

  /** True once the drain has begun: responses from now on ask to close their connections. */
  public static boolean isDraining() {
    Drainer current = drainer;
    return current != null && current.isDraining();
  }

  /** The connections accepted on adopted listeners, for a framework drain that tells served ones from others. */
  public static ConnectionTracker connections() {
    return connections;
  }

  static void register(FrameworkDrain drain) {
    REGISTERED.add(drain);
  }

  /** The drains of the frameworks whose first server has registered, in that order. */
  static List<FrameworkDrain> registered() {
    return List.copyOf(REGISTERED);
  }
}
