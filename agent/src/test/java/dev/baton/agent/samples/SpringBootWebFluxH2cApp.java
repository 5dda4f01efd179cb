package dev.baton.agent.samples;

import org.springframework.boot.SpringApplication;

/**
 * {@link SpringBootWebFluxApp} with {@code server.http2.enabled}: without TLS, Spring Boot has Reactor Netty
 * speak HTTP/1.1 and h2c (prior knowledge and {@code Upgrade: h2c}) on the same port.
 */
public final class SpringBootWebFluxH2cApp {

  private SpringBootWebFluxH2cApp() {}

  public static void main(String[] args) {
    SpringApplication.run(SpringBootWebFluxApp.class, "--server.port=" + args[0], "--spring.main.banner-mode=off",
        "--spring.main.web-application-type=reactive", "--server.http2.enabled=true");
    System.out.println("listening on " + args[0]);
  }
}
