package dev.baton.agent.samples;

import java.net.URI;

/** What every sample answers, and the slow-request knob they share. */
final class Sample {

  private Sample() {}

  /** {@code pid:<pid>}: the tests see which generation served each request. */
  static String body() {
    return "pid:" + ProcessHandle.current().pid() + "\n";
  }

  /** Sleeps for {@code ms} of a {@code /slow?ms=N} request. */
  static void sleepFor(URI uri) {
    String query = uri.getQuery();
    if (uri.getPath().startsWith("/slow") && query != null && query.startsWith("ms=")) {
      System.out.println("handling " + uri);
      sleep(Long.parseLong(query.substring(3)));
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
