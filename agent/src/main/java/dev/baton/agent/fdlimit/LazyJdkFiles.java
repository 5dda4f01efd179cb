package dev.baton.agent.fdlimit;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.TimeZone;

/**
 * Loads, once and early, the JDK data files that logging opens lazily, so that a server out of file
 * descriptors can still log.
 *
 * <p>A server whose accept(2) fails with EMFILE logs it (Netty: "Failed to create a new channel from an
 * accepted socket") and accepts again once descriptors are free. But the first log record formatted
 * with a timestamp (java.util.logging's SimpleFormatter) initializes the default time zone, which opens
 * {@code lib/tzdb.dat}: at the fd limit that fails, the class initializer throws
 * {@code ExceptionInInitializerError} out of the logging call, and the error kills the thread that
 * accepts — seen with Vert.x under {@code prlimit --nofile=128}: the server never accepted again.
 * Initialized beforehand, the zone data is in memory and the log call needs no descriptor.
 */
public final class LazyJdkFiles {

  private LazyJdkFiles() {}

  /** Called on the agent's set-up thread: off the application's start-up path. */
  public static void preload() {
    // Both time-zone providers read lib/tzdb.dat in their static initializers: sun.util.calendar's
    // ZoneInfoFile (TimeZone) and java.time's ZoneRulesProvider (ZoneId, which SimpleFormatter uses).
    TimeZone.getDefault();
    ZonedDateTime.now(ZoneId.systemDefault());
  }
}
