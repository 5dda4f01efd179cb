package dev.baton.agent.samples;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Boot 4 web application (Spring MVC on embedded Tomcat, graceful shutdown on by default),
 * answering {@code pid:<pid>}; {@code /slow?ms=N} waits. No component scan: the samples package holds
 * other applications. Tomcat is chosen by a factory bean: Jetty and Reactor Netty are on the test class
 * path too, and with more than one servlet server present Spring Boot's choice would depend on the order
 * of its auto-configurations.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({SpringBootApp.PidController.class, SpringContextClosed.class})
public class SpringBootApp {

  public static void main(String[] args) {
    // As TomcatApp: Tomcat's remark that seeding its session-id SecureRandom took over 100 ms (a busy machine).
    SpringApplication.run(SpringBootApp.class, "--server.port=" + args[0], "--spring.main.banner-mode=off",
        "--logging.level.org.apache.catalina.util.SessionIdGeneratorBase=error");
    System.out.println("listening on " + args[0]);
  }

  @Bean
  TomcatServletWebServerFactory tomcat() {
    return new TomcatServletWebServerFactory();
  }

  @RestController
  public static class PidController {

    @GetMapping("/")
    public String pid() {
      return Sample.body();
    }

    @GetMapping("/slow")
    public String slow(@RequestParam("ms") long ms) {
      System.out.println("handling /slow?ms=" + ms);
      Sample.sleep(ms);
      return Sample.body();
    }
  }
}
