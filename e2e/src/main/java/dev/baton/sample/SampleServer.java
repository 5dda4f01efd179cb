package dev.baton.sample;

/**
 * {@code java -jar baton-sample.jar [jdk|vertx] [--port N] [--host H] [--sleep MS]}: a plain HTTP server
 * that knows nothing of Baton, for the demo, the benchmark and the e2e tests.
 *
 * <p>Every response is {@link Reply#body() one fixed-length line} with the process's pid and its
 * {@code SERVER_STARTER_GENERATION}, so a client can count the requests each generation served, and
 * {@code ab} does not count a different pid as a "Length" failure. Run under {@code baton} with
 * {@code -javaagent:baton-agent.jar}, it serves on the supervisor's socket without knowing it.
 */
public final class SampleServer {

  private SampleServer() {}

  public static void main(String[] args) throws Exception {
    SampleConfig config;
    try {
      config = SampleConfig.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("baton-sample: " + e.getMessage());
      System.err.println(SampleConfig.USAGE);
      System.exit(2);
      return;
    }
    if (config.failOnStart() != null) {
      // Stands for an application that dies while starting (bad configuration, database down).
      throw new IllegalStateException("SAMPLE_FAIL_ON_START: " + config.failOnStart());
    }
    switch (config.kind()) {
      case JDK -> JdkSample.start(config);
      case VERTX -> VertxSample.start(config);
    }
  }
}
