package dev.baton.sample;

import java.nio.charset.StandardCharsets;

/**
 * The one response body: {@code gen=000003 pid=0012345 server=jdk  \n}, always 36 bytes. Fixed width,
 * because {@code ab} counts a body whose length differs from the first one as a failed request.
 */
final class Reply {

  private Reply() {}

  static byte[] body(SampleConfig.Kind kind) {
    String generation = System.getenv().getOrDefault("SERVER_STARTER_GENERATION", "0");
    long pid = ProcessHandle.current().pid();
    String text = String.format("gen=%06d pid=%07d server=%-5s%n", parse(generation), pid,
        kind.name().toLowerCase(java.util.Locale.ROOT));
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  private static long parse(String generation) {
    try {
      return Long.parseLong(generation.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
