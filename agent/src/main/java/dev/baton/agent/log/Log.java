package dev.baton.agent.log;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The agent's only output: single lines on stderr, prefixed so they stand out in the app's log. */
public final class Log {

  private static final String PREFIX = "baton-agent: ";
  private static final Set<String> ONCE = ConcurrentHashMap.newKeySet();

  private Log() {}

  /**
   * A failure that has been reported already, once, as a warning saying what it costs (an internal of the JDK or
   * a framework that the running version lacks): {@link #error} says nothing more about it, so a feature that
   * is off costs one line per process, not an error at every use.
   */
  public interface Reported {}

  public static void info(String message) {
    System.err.println(PREFIX + message);
  }

  public static void warn(String message) {
    System.err.println(PREFIX + "WARNING: " + message);
  }

  /** Logs a line the first time a key is seen: a port bound normally 100 times is logged once. */
  public static void once(String key, String message) {
    if (ONCE.add(key)) {
      info(message);
    }
  }

  /** A warning the first time a key is seen. */
  public static void warnOnce(String key, String message) {
    if (ONCE.add(key)) {
      warn(message);
    }
  }

  /** Something that should have worked failed; nothing for a failure already {@link Reported}. */
  public static void error(String message, Throwable t) {
    if (!(t instanceof Reported)) {
      System.err.println(PREFIX + "ERROR: " + message + ": " + t);
    }
  }
}
