package dev.baton.agent.samples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.boot.SpringApplication;

/**
 * {@link SpringBootWebFluxApp} with {@code server.http2.enabled}: without TLS, Spring Boot has Reactor Netty
 * speak HTTP/1.1 and h2c (prior knowledge and {@code Upgrade: h2c}) on the same port; with a key store after
 * the port ({@link TlsKeyStore}), {@code server.ssl.*} makes it HTTPS, HTTP/2 negotiated by ALPN.
 */
public final class SpringBootWebFluxH2cApp {

  private SpringBootWebFluxH2cApp() {}

  public static void main(String[] args) {
    List<String> properties = new ArrayList<>(List.of("--server.port=" + args[0], "--spring.main.banner-mode=off",
        "--spring.main.web-application-type=reactive", "--server.http2.enabled=true"));
    Optional<Path> keyStore = TlsKeyStore.fromArgs(args);
    keyStore.ifPresent(path -> properties.addAll(List.of("--server.ssl.key-store=file:" + path.toAbsolutePath(),
        "--server.ssl.key-store-type=PKCS12", "--server.ssl.key-store-password=" + TlsKeyStore.PASSWORD)));
    SpringApplication.run(SpringBootWebFluxApp.class, properties.toArray(String[]::new));
    System.out.println("listening on " + args[0] + (keyStore.isPresent() ? " (TLS)" : ""));
  }
}
