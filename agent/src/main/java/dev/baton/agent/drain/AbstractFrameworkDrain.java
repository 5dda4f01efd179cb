package dev.baton.agent.drain;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What every framework's drain keeps: whether it went its own way to the end (each step that fails or leaves its
 * work to the generic connection drain says so: {@link #failed}, {@link #fellShort}), and the threads its
 * framework's blocking stop runs on ({@link #startStop}): {@code startShutdown} must return at once, and the
 * drain is done once every one of them has finished.
 */
public abstract class AbstractFrameworkDrain implements FrameworkDrain {

  private final List<Thread> stops = new CopyOnWriteArrayList<>();
  private final DrainOutcome outcome = new DrainOutcome();

  /** Runs {@code stop} on a new daemon thread (daemon: a stop that hangs must not keep the JVM up). */
  protected final void startStop(String name, Runnable stop) {
    Thread thread = new Thread(stop, name);
    thread.setDaemon(true);
    stops.add(thread);
    thread.start();
  }

  /** A step failed: see {@link DrainOutcome#failed}. */
  protected final void failed(String what, Throwable t) {
    outcome.failed(what, t);
  }

  /** A step left its work to the generic connection drain; the reason has been said. */
  protected final void fellShort() {
    outcome.fellShort();
  }

  /** True while no step failed or fell short. */
  protected final boolean ownPath() {
    return outcome.ownPath();
  }

  /** Where a helper of this drain (a framework's HTTP/2 side) reports its failures. */
  protected final DrainOutcome outcome() {
    return outcome;
  }

  /** True once every stop started has finished (or none was started). */
  @Override
  public boolean isDone() {
    for (Thread thread : stops) {
      if (thread.isAlive()) {
        return false;
      }
    }
    return true;
  }

  /** A stop was started, every one has finished, and no step failed or fell short. */
  @Override
  public boolean completedOwnPath() {
    return !stops.isEmpty() && isDone() && ownPath();
  }
}
