package dev.baton.agent.samples;

/**
 * {@link JettyApp} with HTTP/2 over cleartext on the same connector ({@code HTTP2CServerConnectionFactory}); with a
 * key store after the port ({@link TlsKeyStore}), HTTP/2 over TLS instead, negotiated by ALPN.
 */
public final class JettyH2cApp {

  public static void main(String[] args) throws Exception {
    JettyApp.run(Integer.parseInt(args[0]), true, TlsKeyStore.fromArgs(args));
  }
}
