package dev.baton.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.samples.JdkHttpServerApp;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drainTimeout} bounds an old worker's life even when a step of the drain blocks: here the JDK
 * HttpServer's drain counting the responses in progress waits for a lock the application holds for a
 * minute (the sample's {@code /freeze-dispatcher?lock=rspConnections}), as a listener's close waits for an
 * accept stuck on a socket another process made blocking. The watchdog ends the drain 2 s past the timeout,
 * says where it was blocked, and the JVM exits 143 through its normal path; without it the worker lived
 * until the application let go.
 */
class DrainWatchdogTest {

  @TempDir
  Path tempDir;

  @Test
  void aDrainBlockedPastItsTimeoutEndsSoonAfterWithOneWarning() throws Exception {
    int port = Workers.freePort();
    Path release = tempDir.resolve("release"); // never created: the lock is held for a minute
    List<String> worker = new ArrayList<>(Workers.java(Workers.JAVA_17, "drainTimeout=1s",
        JdkHttpServerApp.class.getName(), Integer.toString(port)));
    worker.add(1, "--add-opens=jdk.httpserver/sun.net.httpserver=ALL-UNNAMED"); // for the freeze, not the agent
    List<String> command = new ArrayList<>(List.of("perl", Workers.fakeSupervisor(), "127.0.0.1:" + port, "--"));
    command.addAll(worker);
    try (ServerProcess supervisor = ServerProcess.start(command, Map.of())) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      long workerPid = ReadinessTest.workerPid(supervisor);
      Socket freezer = new Socket("127.0.0.1", port);
      OutputStream out = freezer.getOutputStream();
      out.write(("GET /freeze-dispatcher?until=" + release + "&lock=rspConnections HTTP/1.1\r\nHost: test\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      supervisor.awaitStdout("dispatcher frozen"::equals, Duration.ofSeconds(10));

      Signals.send("TERM", workerPid);

      // 1 s of drain timeout, 2 s of watchdog slack: far less than the minute the lock is held.
      supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(25));
      assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
      assertThat(supervisor.stderr()).as(supervisor.transcript())
          .anyMatch(line -> line.contains("drain still blocked") && line.contains("exiting anyway"));
      assertThat(supervisor.stdout()).as("the application still held its lock").doesNotContain("dispatcher released");
      freezer.close();
    }
  }
}
