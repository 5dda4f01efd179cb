package dev.baton.agent.samples;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * {@link SpringBootApp}'s Spring MVC controller on embedded Jetty 12 instead of Tomcat (graceful shutdown on
 * by default). Jetty is chosen by a factory bean, since Tomcat is on the test class path too.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({SpringBootApp.PidController.class, SpringContextClosed.class})
public class SpringBootJettyApp {

  public static void main(String[] args) {
    SpringApplication.run(SpringBootJettyApp.class, "--server.port=" + args[0], "--spring.main.banner-mode=off");
    System.out.println("listening on " + args[0]);
  }

  @Bean
  JettyServletWebServerFactory jetty() {
    return new JettyServletWebServerFactory();
  }
}
