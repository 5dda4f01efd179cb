package dev.baton.agent.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses {@code SERVER_STARTER_PORT} as Perl's start_server writes it: {@code spec=fd} entries joined
 * by {@code ;}, e.g. {@code 8080=3;127.0.0.1:8081=4;[::1]:8083=5;/tmp/app.sock=6}. The variable is
 * present and empty when the supervisor bound nothing.
 */
public final class ServerStarterPorts {

  public static final String ENV = "SERVER_STARTER_PORT";

  private ServerStarterPorts() {}

  /**
   * Returns the listeners, in the order given.
   *
   * @throws IllegalArgumentException when any entry is malformed: the caller then adopts nothing, since
   *     a half-understood variable is more likely a bug than an intent
   */
  public static List<ListenerSpec> parse(String value) {
    List<ListenerSpec> specs = new ArrayList<>();
    for (String entry : value.split(";")) {
      if (!entry.isBlank()) {
        specs.add(ListenerSpec.parse(entry.trim()));
      }
    }
    return List.copyOf(specs);
  }
}
