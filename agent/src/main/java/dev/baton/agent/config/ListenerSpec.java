package dev.baton.agent.config;

import java.util.Locale;

/**
 * One entry of {@code SERVER_STARTER_PORT}: what the supervisor bound ({@code 8080},
 * {@code 127.0.0.1:8080}, {@code [::1]:8080}, {@code localhost:8080} or a Unix socket path) and the
 * inherited file descriptor that holds it.
 *
 * @param spec the spec as the supervisor wrote it, for messages
 * @param host the host part of a {@code host:port} spec, without brackets; null for a bare port or a path
 * @param port the TCP port; 0 for a path
 * @param path the Unix-domain socket path; null for a TCP spec
 * @param fd the inherited file descriptor
 */
public record ListenerSpec(String spec, String host, int port, String path, int fd) {

  public boolean isUnix() {
    return path != null;
  }

  /** The spec as written for the supervisor's status messages: {@code 8080}, {@code /tmp/app.sock}. */
  public String describe() {
    return spec + " (fd " + fd + ")";
  }

  /**
   * Parses one {@code spec=fd} entry.
   *
   * @throws IllegalArgumentException with a message naming the entry when it is not one of the forms
   */
  static ListenerSpec parse(String entry) {
    int eq = entry.lastIndexOf('=');
    if (eq <= 0 || eq == entry.length() - 1) {
      throw new IllegalArgumentException("entry '" + entry + "' is not spec=fd");
    }
    String spec = entry.substring(0, eq).trim();
    int fd = parseNumber(entry.substring(eq + 1).trim(), entry, "fd", 0, Integer.MAX_VALUE);
    int colon = spec.lastIndexOf(':');
    boolean digits = !spec.isEmpty();
    for (int i = 0; i < spec.length(); i++) {
      digits &= Character.isDigit(spec.charAt(i));
    }
    if (spec.startsWith("/") || spec.startsWith("./") || (colon < 0 && !digits && spec.contains("."))) {
      return new ListenerSpec(spec, null, 0, spec, fd);
    }
    if (colon < 0) {
      return new ListenerSpec(spec, null, parseNumber(spec, entry, "port", 1, 65535), null, fd);
    }
    String host = spec.substring(0, colon);
    int port = parseNumber(spec.substring(colon + 1), entry, "port", 1, 65535);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isEmpty() || host.contains("[") || host.contains("]")) {
      throw new IllegalArgumentException("entry '" + entry + "' has no valid host");
    }
    return new ListenerSpec(spec, host.toLowerCase(Locale.ROOT), port, null, fd);
  }

  private static int parseNumber(String text, String entry, String what, int min, int max) {
    try {
      int value = Integer.parseInt(text);
      if (value < min || value > max) {
        throw new IllegalArgumentException("entry '" + entry + "' has " + what + " out of range");
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("entry '" + entry + "' has no numeric " + what, e);
    }
  }
}
