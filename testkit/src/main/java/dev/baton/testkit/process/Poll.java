package dev.baton.testkit.process;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a cheap condition (a scan of collected output lines, a file's content): checked at once, then every
 * 10 ms. Awaitility's defaults (a first check after 100 ms, then every 100 ms) would add a tenth of a second to
 * every wait, and tests wait for several lines of every process they start. Without a test library, so that the
 * demo can use it too.
 */
public final class Poll {

  private static final long INTERVAL_MILLIS = 10;

  private Poll() {}

  /**
   * Waits until {@code condition} holds; fails with {@code failure}'s message after {@code atMost}, or as soon as
   * {@code hopeless} holds while the condition still does not (say, a process whose output ended).
   */
  public static void until(BooleanSupplier condition, Duration atMost, BooleanSupplier hopeless,
      Supplier<String> failure) {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (!condition.getAsBoolean()) {
      if (hopeless.getAsBoolean() && !condition.getAsBoolean()) {
        throw new AssertionError(failure.get());
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(failure.get() + " (waited " + atMost + ")");
      }
      try {
        Thread.sleep(INTERVAL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting: " + failure.get(), e);
      }
    }
  }
}
