package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The log rules every server test applies ({@link WorkerLog}) catch what they are for, and only that. */
class WorkerLogTest {

  private static final String GOOD_DAY = String.join("\n",
      "worker 4242",
      "datagram STATUS=adopted 127.0.0.1:8080 (fd 3)",
      "INFO: Starting ProtocolHandler [\"http-nio-8080\"]",
      "SLF4J: No SLF4J providers were found.",
      "baton: worker 4243 (generation 2) is ready (READY=1 after 812 ms)",
      "old worker 4242 died, status:143",
      "baton-agent: drained in 96 ms (Tomcat)",
      "exit 143");

  @Test
  void aGoodDayPasses() {
    assertThatCode(() -> WorkerLog.assertClean(GOOD_DAY, Server.TOMCAT)).doesNotThrowAnyException();
    assertThatCode(() -> WorkerLog.assertOwnDrainRan(GOOD_DAY, List.of("Tomcat"))).doesNotThrowAnyException();
  }

  @Test
  void warningsErrorsAndStackTracesOfEveryKindFail() {
    for (String line : List.of("baton-agent: warning: drain timeout 30s reached",
        "baton-agent: error: draining JDK HttpServer: java.lang.NoSuchMethodException: x",
        "baton: warning: the worker ignored TERM", "baton: error: the worker failed to start",
        "WARNING: An illegal reflective access operation has occurred", "SEVERE: Servlet.service() threw",
        "12:00:01.123 WARN  o.e.j.server.Server - oops", "java.lang.IllegalStateException: boom",
        "\tat dev.baton.agent.drain.Drainer.drain(Drainer.java:104)", "Caused by: java.io.IOException")) {
      assertThatThrownBy(() -> WorkerLog.assertClean(GOOD_DAY + "\n" + line, Server.TOMCAT)).as(line)
          .isInstanceOf(AssertionError.class);
    }
  }

  @Test
  void nettysKnownAcceptWarningIsForgivenOnNettyServersOnly() {
    String noise = String.join("\n",
        "Dec 06, 2026 5:23:01 AM io.netty.channel.DefaultChannelPipeline onUnhandledInboundException",
        "WARNING: An exceptionCaught() event was fired, and it reached at the tail of the pipeline.",
        "java.nio.channels.ClosedChannelException",
        "\tat java.base/sun.nio.ch.ServerSocketChannelImpl.ensureOpen(ServerSocketChannelImpl.java:202)",
        "");
    assertThatCode(() -> WorkerLog.assertClean(noise + GOOD_DAY, Server.VERTX)).doesNotThrowAnyException();
    assertThatThrownBy(() -> WorkerLog.assertClean(noise + GOOD_DAY, Server.TOMCAT))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void theOwnDrainMustBeNamedOnEveryDrainLine() {
    assertThatCode(() -> WorkerLog.assertOwnDrainRan("baton-agent: drained in 5 ms (Vert.x, Netty HTTP/2)",
        List.of("Vert.x", "Netty HTTP/2"))).doesNotThrowAnyException();
    assertThatCode(() -> WorkerLog.assertOwnDrainRan("baton-agent: drained in 5 ms (connections)",
        List.of("connections"))).doesNotThrowAnyException();
    for (String drained : List.of("baton-agent: drained in 5 ms", "baton-agent: drained in 5 ms (connections)",
        "baton-agent: drained in 5 ms (Jetty)", "baton-agent: drained in 5 ms (Tomcat, connections)", "no line")) {
      assertThatThrownBy(() -> WorkerLog.assertOwnDrainRan(drained, List.of("Tomcat"))).as(drained)
          .isInstanceOf(AssertionError.class);
    }
    assertThatThrownBy(() -> WorkerLog.assertOwnDrainRan(
        "baton-agent: drained in 5 ms (Tomcat)\nbaton-agent: drained in 7 ms (connections)", List.of("Tomcat")))
        .as("every generation's drain").isInstanceOf(AssertionError.class);
  }
}
