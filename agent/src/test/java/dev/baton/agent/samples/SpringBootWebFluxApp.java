package dev.baton.agent.samples;

import java.time.Duration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * A Spring Boot 4 WebFlux application on Reactor Netty (NIO transport; graceful shutdown on by default),
 * answering {@code pid:<pid>}; {@code /slow?ms=N} answers after a timer, never blocking an event loop.
 * Reactive because the application type says so (Spring MVC is on the test class path too, and would win),
 * on Reactor Netty because a factory bean says so (Jetty can serve WebFlux as well).
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({SpringBootWebFluxApp.ReactivePidController.class, SpringContextClosed.class})
public class SpringBootWebFluxApp {

  public static void main(String[] args) {
    SpringApplication.run(SpringBootWebFluxApp.class, "--server.port=" + args[0], "--spring.main.banner-mode=off",
        "--spring.main.web-application-type=reactive");
    System.out.println("listening on " + args[0]);
  }

  @Bean
  NettyReactiveWebServerFactory reactorNetty() {
    return new NettyReactiveWebServerFactory();
  }

  @RestController
  public static class ReactivePidController {

    @GetMapping("/")
    public Mono<String> pid() {
      return Mono.just(Sample.body());
    }

    @GetMapping("/slow")
    public Mono<String> slow(@RequestParam("ms") long ms) {
      System.out.println("handling /slow?ms=" + ms);
      return Mono.delay(Duration.ofMillis(ms)).map(tick -> Sample.body());
    }
  }
}
