package dev.baton.agent.log;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The agent's only output: single lines on stderr, prefixed so they stand out in the app's log. */
public final class Log {

  private static final String PREFIX = "baton-agent: ";
  private static final Set<String> ONCE = ConcurrentHashMap.newKeySet();

  private Log() {}

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

  public static void error(String message, Throwable t) {
    System.err.println(PREFIX + "ERROR: " + message + ": " + t);
  }
}
