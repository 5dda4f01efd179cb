package dev.baton.agent.samples;

/** {@link TomcatApp} with HTTP/2 over cleartext on the same connector ({@code Http2Protocol} as upgrade protocol). */
public final class TomcatH2cApp {

  public static void main(String[] args) throws Exception {
    TomcatApp.run(Integer.parseInt(args[0]), true);
  }
}
