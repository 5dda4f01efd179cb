package dev.baton.agent.it;

import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The base of the per-server test classes: the server and the JDK of this run. A subclass is one small
 * declaration: {@code @JdkMatrix}, the behaviours the server supports ({@code implements ReloadUnderLoad, ...}),
 * a constructor naming the {@link Server}, and the server's own extra tests, if any. Its tests run concurrently
 * with each other (junit-platform.properties): each starts processes of its own on ports of its own.
 */
@Execution(ExecutionMode.CONCURRENT)
abstract class ServerTest implements ServerUnderTest {

  private final Server server;
  private final Jdk jdk;

  ServerTest(Server server, Jdk jdk) {
    this.server = server;
    this.jdk = jdk;
  }

  @Override
  public Server server() {
    return server;
  }

  @Override
  public Jdk jdk() {
    return jdk;
  }
}
