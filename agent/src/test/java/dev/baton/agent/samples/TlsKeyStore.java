package dev.baton.agent.samples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The samples' optional TLS: a PKCS12 key store named as the argument after the port turns on HTTPS with
 * ALPN ({@code h2}, then {@code http/1.1}) on that port. Tests make a self-signed one per run with the JDK's
 * keytool, so nothing that expires is checked in.
 */
public final class TlsKeyStore {

  /** The key store's and the key's password (a throwaway key made for one test run). */
  public static final String PASSWORD = "baton-test";

  private TlsKeyStore() {}

  /**
   * A key store in {@code dir} holding a self-signed EC key for {@code localhost} and {@code 127.0.0.1}, valid
   * for two days. EC rather than RSA: keytool makes it in milliseconds instead of a second.
   */
  public static Path create(Path dir) throws IOException, InterruptedException {
    Path keyStore = dir.resolve("server.p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process process = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "server",
        "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "san=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD))
        .redirectErrorStream(true)
        .start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0 || !Files.isRegularFile(keyStore)) {
      throw new IOException("keytool did not create " + keyStore + ": " + output);
    }
    return keyStore;
  }

  /** The key store given after the port ({@code <port> [<key store>]}), if any. */
  static Optional<Path> fromArgs(String[] args) {
    return args.length > 1 ? Optional.of(Path.of(args[1])) : Optional.empty();
  }
}
