package dev.baton.agent.drain;

import dev.baton.agent.log.Log;
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
  private volatile boolean fellShort;

  /** Runs {@code stop} on a new daemon thread (daemon: a stop that hangs must not keep the JVM up). */
  protected final void startStop(String name, Runnable stop) {
    Thread thread = new Thread(stop, name);
    thread.setDaemon(true);
    stops.add(thread);
    thread.start();
  }

  /**
   * A step failed: one error line (none for a missing framework internal, said once as a warning when it was
   * looked up), and the framework is not listed as drained its own way. Also for the drain's helpers.
   */
  public final void failed(String what, Throwable t) {
    fellShort = true;
    Log.error(what, t);
  }

  /** A step left its work to the generic connection drain; the reason has been said. */
  public final void fellShort() {
    fellShort = true;
  }

  /** True while no step failed or fell short. */
  protected final boolean ownPath() {
    return !fellShort;
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
