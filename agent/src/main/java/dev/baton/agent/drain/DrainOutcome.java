package dev.baton.agent.drain;

import dev.baton.agent.log.Log;

/**
 * Whether a framework's drain went its own way to the end ({@link FrameworkDrain#completedOwnPath}): set by every
 * step that failed or had to leave its work to the generic connection drain.
 */
public final class DrainOutcome {

  private volatile boolean fellShort;

  /**
   * A step failed: one error line (none for a missing framework internal, said once as a warning when it was
   * looked up), and the framework is not listed as drained its own way.
   */
  public void failed(String what, Throwable t) {
    fellShort = true;
    Log.error(what, t);
  }

  /** A step left its work to the generic connection drain; the reason has been said. */
  public void fellShort() {
    fellShort = true;
  }

  /** True while no step failed or fell short. */
  public boolean ownPath() {
    return !fellShort;
  }
}
