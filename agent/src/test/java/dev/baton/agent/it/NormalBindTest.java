package dev.baton.agent.it;

import static dev.baton.agent.it.PromptAwait.await;
import static dev.baton.testkit.sample.Replies.PID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.samples.JdkHttpServerApp;
import dev.baton.agent.samples.JettyApp;
import dev.baton.agent.samples.NettyEpollApp;
import dev.baton.agent.samples.PlainServerSocketApp;
import dev.baton.agent.samples.SpringBootApp;
import dev.baton.agent.samples.TomcatApp;
import dev.baton.agent.samples.UndertowApp;
import dev.baton.agent.samples.UndertowGracefulApp;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Whenever there is nothing (valid) to adopt, the application binds as if the agent were absent. */
class NormalBindTest {

  @ParameterizedTest
  @ValueSource(classes = {JdkHttpServerApp.class, PlainServerSocketApp.class})
  void withoutServerStarterPortTheAgentDoesNothing(Class<?> sample) throws Exception {
    assertBindsNormally(sample, "", Map.of(), List.of());
    assertBindsNormally(sample, null, Map.of(), List.of());
  }

  /** The framework samples log on their own (Tomcat, Spring): the agent adds nothing to that. */
  @ParameterizedTest
  @ValueSource(classes = {JettyApp.class, TomcatApp.class, SpringBootApp.class, UndertowApp.class,
      UndertowGracefulApp.class})
  void frameworksWithoutServerStarterPortBindNormally(Class<?> sample) throws Exception {
    assertThat(assertBindsNormally(sample, "", Map.of(), null)).noneMatch(line -> line.contains("baton-agent"));
    assertBindsNormally(sample, null, Map.of(), null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"8080=x", "garbage", "host:port=3", "99999=3"})
  void malformedServerStarterPortBindsNormallyWithOneWarning(String value) throws Exception {
    List<String> stderr = assertBindsNormally(JdkHttpServerApp.class, "", Map.of("SERVER_STARTER_PORT", value), null);
    assertThat(stderr).hasSize(1);
    assertThat(stderr.get(0)).startsWith("baton-agent: warning: SERVER_STARTER_PORT=").contains("malformed");
  }

  /** As baton logs (it passes BATON_LOG_FORMAT to its workers): one JSON object, with this worker's generation and pid. */
  @Test
  void theWarningIsAJsonLineWhenBatonLogsJson() throws Exception {
    List<String> stderr = assertBindsNormally(JdkHttpServerApp.class, "",
        Map.of("SERVER_STARTER_PORT", "garbage", "SERVER_STARTER_GENERATION", "7", "BATON_LOG_FORMAT", "json"), null);
    assertThat(stderr).hasSize(1);
    io.vertx.core.json.JsonObject line = new io.vertx.core.json.JsonObject(stderr.get(0));
    assertThat(line.fieldNames()).containsExactly("time", "level", "logger", "msg", "generation", "pid");
    assertThat(java.time.OffsetDateTime.parse(line.getString("time"))).isNotNull();
    assertThat(line.getString("level")).isEqualTo("warning");
    assertThat(line.getString("logger")).isEqualTo("baton-agent");
    assertThat(line.getString("msg")).startsWith("SERVER_STARTER_PORT='garbage' is malformed");
    assertThat(line.getInteger("generation")).isEqualTo(7);
    assertThat(line.getLong("pid")).isPositive();
  }

  @ParameterizedTest
  @ValueSource(classes = {JdkHttpServerApp.class, PlainServerSocketApp.class})
  void unlistedPortBindsNormallyAndSaysSoOnce(Class<?> sample) throws Exception {
    int listed = FreePorts.next();
    int port = FreePorts.next();
    try (StartedProcess supervisor = FakeSupervisor.start("127.0.0.1:" + listed, sample, port)) {
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> PID.ask(port, "/").pid() > 0);
      supervisor.awaitStderr(line -> line.equals(
          "baton-agent: port " + port + " is not in SERVER_STARTER_PORT; binding it normally"), Duration.ofSeconds(5));
      assertThat(FakeSupervisor.datagrams(supervisor)).doesNotContain("READY=1");
    }
  }

  /**
   * Netty's native epoll transport binds through JNI, not the JDK: without SERVER_STARTER_PORT, as if the agent were
   * absent.
   */
  @Test
  void nettyEpollWithoutServerStarterPortBindsNormally() throws Exception {
    Workers.assumeTransportAvailable(NettyEpollApp.class);
    assertThat(assertBindsNormally(NettyEpollApp.class, "", Map.of(), null))
        .noneMatch(line -> line.contains("baton-agent"));
    assertBindsNormally(NettyEpollApp.class, null, Map.of(), null);
  }

  /** Starts the sample directly, awaits an answer on its port, returns its stderr. */
  static List<String> assertBindsNormally(
      Class<?> sample, String agentOptions, Map<String, String> env, List<String> expectedStderr) throws Exception {
    int port = FreePorts.next();
    try (StartedProcess worker = Workers.start(
        Workers.java(Workers.JAVA_17, agentOptions, sample.getName(), Integer.toString(port)), env)) {
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> PID.ask(port, "/").pid() == worker.pid());
      if (expectedStderr != null) {
        assertThat(worker.stderr()).isEqualTo(expectedStderr);
      }
      return worker.stderr();
    }
  }
}
