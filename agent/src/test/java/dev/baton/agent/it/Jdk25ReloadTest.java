package dev.baton.agent.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.agent.samples.JdkHttpServerApp;
import dev.baton.agent.samples.NettyEpollApp;
import dev.baton.agent.samples.PlainServerSocketApp;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;

/**
 * The same adoption and drain on JDK 25, whose NioSocketImpl and HttpServer differ from 17's (and where
 * an agent must not trigger JVM warnings). Skipped when that JDK is not installed.
 */
class Jdk25ReloadTest {

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
  }
}
