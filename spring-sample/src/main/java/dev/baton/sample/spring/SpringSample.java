package dev.baton.sample.spring;

import java.util.Locale;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code java -jar baton-spring-sample.jar}: the sample server of the demo and the benchmark written as a
 * Spring Boot application (Spring MVC on embedded Tomcat, graceful shutdown on by default), knowing
 * nothing of Baton. It binds {@code PORT} (default 8080), sleeps {@code SAMPLE_SLEEP_MS} per request and
 * answers the same fixed-length line as the other samples, {@code gen=000003 pid=0012345 server=boot \n}
 * (36 bytes: {@code ab} counts a body of another length as a failed request).
 */
@SpringBootApplication
@RestController
public class SpringSample {

  private static final long SLEEP_MILLIS = Long.parseLong(System.getenv().getOrDefault("SAMPLE_SLEEP_MS", "0").trim());

  private final byte[] body = String.format(Locale.ROOT, "gen=%06d pid=%07d server=%-5s%n",
      Long.parseLong(System.getenv().getOrDefault("SERVER_STARTER_GENERATION", "0").trim()),
      ProcessHandle.current().pid(), "boot").getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  public static void main(String[] args) {
    SpringApplication.run(SpringSample.class, args);
  }

  @GetMapping("/")
  ResponseEntity<byte[]> reply() throws InterruptedException {
    if (SLEEP_MILLIS > 0) {
      Thread.sleep(SLEEP_MILLIS);
    }
    return ResponseEntity.ok().contentType(MediaType.TEXT_PLAIN).body(body);
  }
}
