package dev.baton.sample;

import java.util.Locale;
import java.util.Map;

/**
 * What the sample server does: from its arguments, else from the environment ({@code PORT},
 * {@code SAMPLE_SLEEP_MS}, {@code SAMPLE_SERVER}, {@code SAMPLE_FAIL_ON_START}), as any twelve-factor app.
 *
 * @param kind which HTTP server
 * @param host the address to bind, or null for every address
 * @param port the port to bind
 * @param sleepMillis how long each request takes (the start_server article used 100 ms)
 * @param failOnStart when not null, the server throws this while starting instead of serving
 */
public record SampleConfig(Kind kind, String host, int port, long sleepMillis, String failOnStart) {

  public enum Kind { JDK, VERTX }

  static final String USAGE = "usage: java -jar baton-sample.jar [jdk|vertx] [--port N] [--host H] [--sleep MS]\n"
      + "  env: PORT, SAMPLE_SERVER (jdk|vertx), SAMPLE_SLEEP_MS, SAMPLE_FAIL_ON_START (a message: crash on start)";

  static SampleConfig parse(String[] args, Map<String, String> env) {
    Kind kind = kind(env.getOrDefault("SAMPLE_SERVER", "jdk"));
    String host = null;
    int port = integer("PORT", env.getOrDefault("PORT", "8080"));
    long sleep = integer("SAMPLE_SLEEP_MS", env.getOrDefault("SAMPLE_SLEEP_MS", "0"));
    String fail = env.get("SAMPLE_FAIL_ON_START");
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "jdk", "vertx" -> kind = kind(arg);
        case "--port" -> port = integer(arg, value(args, ++i, arg));
        case "--host" -> host = value(args, ++i, arg);
        case "--sleep" -> sleep = integer(arg, value(args, ++i, arg));
        default -> throw new IllegalArgumentException("unknown argument '" + arg + "'");
      }
    }
    return new SampleConfig(kind, host, port, sleep, fail == null || fail.isBlank() ? null : fail.trim());
  }

  private static Kind kind(String name) {
    try {
      return Kind.valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("server kind '" + name + "' is neither jdk nor vertx");
    }
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  private static int integer(String what, String text) {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " '" + text + "' is not a number");
    }
  }
}
