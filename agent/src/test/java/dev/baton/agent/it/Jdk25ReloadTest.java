package dev.baton.agent.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.agent.samples.JdkHttpServerApp;
import dev.baton.agent.samples.NettyEpollApp;
import dev.baton.agent.samples.PlainServerSocketApp;
import dev.baton.agent.samples.UndertowApp;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;

/**
 * The same adoption and drain on JDK 25, whose NioSocketImpl and HttpServer differ from 17's (and where
 * an agent must not trigger JVM warnings: the reload test fails on any {@code WARNING} in the transcript).
 * Skipped when that JDK is not installed.
 *
 * <p>The JDK's own servers run the full reload scenario (three HUPs), as on 17. The frameworks (Vert.x,
 * Netty NIO and epoll, Jetty, Tomcat, Spring Boot MVC on Tomcat and on Jetty, Spring Boot WebFlux on Reactor Netty,
 * Undertow) run the same scenario with one HUP: what JDK 25 can
 * break is the same for every reload (the JDK classes the agent rewrites, the hook class defined in
 * java.base, module access, warnings), so one reload under keep-alive and connection-per-request traffic
 * covers it, while each further reload of a framework costs a JVM start (seconds for Spring Boot on two
 * shared cores) and the 17 runs already repeat it three times.
 */
class Jdk25ReloadTest {

  static final int FRAMEWORK_RELOADS = 1;

  static void requireJdk25() {
    assumeTrue(Files.isExecutable(Workers.JAVA_25), Workers.JAVA_25 + " not installed: JDK 25 run skipped");
  }

  @Nested
  class JdkHttpServer extends AbstractReloadTest {
    @BeforeEach
    void jdk25() {
      requireJdk25();
    }

    @Override
    String mainClass() {
      return JdkHttpServerApp.class.getName();
    }

    @Override
    String java() {
      return Workers.JAVA_25.toString();
    }
  }

  @Nested
  class PlainServerSocket extends AbstractReloadTest {
    @BeforeEach
    void jdk25() {
      requireJdk25();
    }

    @Override
    String mainClass() {
      return PlainServerSocketApp.class.getName();
    }

    @Override
    String java() {
      return Workers.JAVA_25.toString();
    }
  }

  @Nested
  class Vertx extends VertxReloadTest {
    @BeforeEach
    void jdk25() {
      requireJdk25();
    }

    @Override
    String java() {
      return Workers.JAVA_25.toString();
    }

    /**
     * Vert.x probes Netty's native transport, and with netty-transport-native-epoll on the class path
     * Netty loads its JNI library: JDK 25 warns about that unless the application enables native access
     * (a flag of the application's, as for any JNI user, not of the agent's).
     */
    @Override
    List<String> jvmOptions() {
      return List.of("--enable-native-access=ALL-UNNAMED");
    }

    @Override
    int reloads() {
      return FRAMEWORK_RELOADS;
    }
  }

  @Nested
  class Netty extends NettyReloadTest {
    @BeforeEach
    void jdk25() {
      requireJdk25();
    }

    @Override
    String java() {
      return Workers.JAVA_25.toString();
    }

    @Override
    int reloads() {
      return FRAMEWORK_RELOADS;
    }
  }

  @Nested
  class Jetty extends JettyReloadTest {
    @BeforeEach
    void jdk25() {
      requireJdk25();
    }

    @Override
    String java() {
      return Workers.JAVA_25.toString();
    }

    @Override
    int reloads() {
      return FRAMEWORK_RELOADS;
    }
  }

  @Nested
  class Tomcat extends TomcatReloadTest {
    @BeforeEach
    void jdk25() {
      requireJdk25();
    }

    @Override
    String java() {
      return Workers.JAVA_25.toString();
    }

    @Override
    int reloads() {
      return FRAMEWORK_RELOADS;
    }
  }

  @Nested
  class SpringBoot extends SpringBootReloadTest {
    @BeforeEach
    void jdk25() {
      requireJdk25();
    }

    @Override
    String java() {
      return Workers.JAVA_25.toString();
    }

    @Override
    int reloads() {
      return FRAMEWORK_RELOADS;
    }
  }

  @Nested
  class SpringBootJetty extends SpringBootJettyReloadTest {
    @BeforeEach
    void jdk25() {
      requireJdk25();
    }

    @Override
    String java() {
      return Workers.JAVA_25.toString();
    }

    @Override
    int reloads() {
      return FRAMEWORK_RELOADS;
    }
  }

  @Nested
  class SpringBootWebFlux extends SpringBootWebFluxReloadTest {
    @BeforeEach
    void jdk25() {
      requireJdk25();
    }

    @Override
    String java() {
      return Workers.JAVA_25.toString();
    }

    /** Reactor Netty loads Netty's native epoll library when it is on the class path: as for Vert.x above. */
    @Override
    List<String> jvmOptions() {
      return List.of("--enable-native-access=ALL-UNNAMED");
    }

    @Override
    int reloads() {
      return FRAMEWORK_RELOADS;
    }
  }

  @Nested
  class Undertow extends AbstractReloadTest { // not UndertowReloadTest: its @Nested variant would run on 17 again
    @BeforeEach
    void jdk25() {
      requireJdk25();
    }

    @Override
    String mainClass() {
      return UndertowApp.class.getName();
    }

    @Override
    String java() {
      return Workers.JAVA_25.toString();
    }

    @Override
    int reloads() {
      return FRAMEWORK_RELOADS;
    }
  }

  /** Netty's native epoll transport (JNI) on 25; the application enables native access for Netty's library. */
  @Nested
  class NettyEpoll extends AbstractReloadTest {
    @BeforeEach
    void jdk25() {
      requireJdk25();
      Workers.assumeTransportAvailable(NettyEpollApp.class);
    }

    @Override
    String mainClass() {
      return NettyEpollApp.class.getName();
    }

    @Override
    String java() {
      return Workers.JAVA_25.toString();
    }

    @Override
    List<String> jvmOptions() {
      return List.of("--enable-native-access=ALL-UNNAMED");
    }

    @Override
    int reloads() {
      return FRAMEWORK_RELOADS;
    }
  }
}
