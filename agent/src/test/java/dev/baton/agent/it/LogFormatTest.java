package dev.baton.agent.it;

import static dev.baton.agent.it.PromptAwait.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.samples.JdkHttpServerApp;
import dev.baton.testkit.baton.BatonProcess;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent logs as baton does: under {@code baton --log-format=json} every line of baton and of the
 * agent in its workers is one JSON object, the agent's carrying its own worker's generation and pid,
 * through a HUP reload.
 */
class LogFormatTest {
  @TempDir
  Path tempDir;

  @Test
  void underBatonsJsonLogTheAgentsLinesAreJsonWithTheirWorkersGenerationAndPid() throws Exception {
    int port = FreePorts.next();
    Path status = tempDir.resolve("status");
    List<String> command = new ArrayList<>(BatonProcess.jarCommand(Workers.BATON_JAR, "--log-format=json",
        "--port=127.0.0.1:" + port, "--status-file=" + status, "--"));
    command.addAll(Workers.java(Workers.JAVA_17, "", JdkHttpServerApp.class.getName(), Integer.toString(port)));
    try (StartedProcess baton = Workers.start(command, Map.of())) {
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> Files.readString(status).startsWith("1:"));
      baton.signal("HUP");
      // generation 2 serves alone: generation 1 has drained and exited
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> Files.readString(status).matches("2:\\d+\n"));
      baton.signal("TERM");
      assertThat(baton.awaitExit(Duration.ofSeconds(30))).as(baton.transcript()).isZero();

      List<String> stderr = baton.stderr();
      assertThat(stderr).as("no text line of baton's or the agent's").noneMatch(l -> l.startsWith("baton-agent:")
          || l.startsWith("baton:") || l.startsWith("start_server (pid:") || l.startsWith("starting new worker"));
      List<JsonObject> lines = stderr.stream().filter(l -> l.startsWith("{")).map(JsonObject::new).toList();
      Map<Long, Integer> generationOfPid = new HashMap<>();
      lines.stream().filter(l -> l.getString("msg").startsWith("starting new worker "))
          .forEach(l -> generationOfPid.put(l.getLong("pid"), l.getInteger("generation")));
      assertThat(generationOfPid.values()).as(baton.transcript()).containsExactlyInAnyOrder(1, 2);

      List<JsonObject> agent = lines.stream().filter(l -> "baton-agent".equals(l.getString("logger"))).toList();
      assertThat(agent).as(baton.transcript()).isNotEmpty();
      for (JsonObject line : agent) {
        assertThat(line.fieldNames()).as(line.encode()).containsExactly("time", "level", "logger", "msg", "generation", "pid");
        assertThat(line.getInteger("generation")).as(line.encode()).isEqualTo(generationOfPid.get(line.getLong("pid")));
        assertThat(line.getString("level")).as(line.encode()).isEqualTo("info");
      }
      assertThat(agent).as("the agent of each generation logged").extracting(l -> l.getInteger("generation"))
          .contains(1, 2);
      assertThat(agent).as("the first generation's drain").anyMatch(l -> l.getInteger("generation") == 1
          && l.getString("msg").startsWith("drained in "));
    }
  }
}
