package dev.baton.agent.it;

import static dev.baton.agent.it.PromptAwait.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.samples.JdkHttpServerApp;
import dev.baton.agent.samples.JettyApp;
import dev.baton.agent.samples.SpringBootWebFluxApp;
import dev.baton.agent.samples.TomcatApp;
import dev.baton.agent.samples.UndertowApp;
import dev.baton.agent.samples.UndertowGracefulApp;
import dev.baton.agent.samples.VertxApp;
import dev.baton.agent.samples.VertxEpollApp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The race behind a rare reload failure ("bad response: ''" on a one-request-per-connection client): a
 * connection the old worker accepted just before its listener closed must still be answered. With
 * Vert.x, Netty accepts on one event loop and sets the connection up on another; if
 * {@code HttpServer.shutdown} has already removed the server's workers by then, Vert.x closes the
 * connection unread. Many clients open a fresh connection per request and send it at once while the
 * worker drains (TERM). A connection the worker accepted may end in a response only: an empty response
 * (EOF) or a reset is a failure. A connection still waiting when the worker is gone was never accepted by
 * it (in production the next generation takes it from the shared backlog); it is not counted.
 *
 * <p>A stress test, not a deterministic one: the window is the few microseconds to milliseconds between
 * Netty's accept and its set-up of the connection. Without the agent's hand-over wait, 24 clients x 8
 * rounds gave 52 empty responses for Vert.x; with it, none.
 */
class FreshConnectionDrainTest {

  // Heavier runs: mvn -pl agent test -Dtest=FreshConnectionDrainTest -Dbaton.test.freshRounds=10
  private static final int CLIENTS = Integer.getInteger("baton.test.freshClients", 24);
  private static final int ROUNDS = Integer.getInteger("baton.test.freshRounds", 3);

  // Not Spring Boot WebFlux (Reactor Netty): a Spring start per round costs ~15 s here. Reactor Netty leaves
  // connections set up after its server channel closed alone (Vert.x's race is its load balancer's); one
  // run with it answered 1,033 fresh-connection requests, none failed. The test below does run it.
  @ParameterizedTest
  // Undertow: the variant with a GracefulShutdownHandler only, whose shutdown would answer 503 to a request
  // read after it; the plain variant drains the same way without it.
  @ValueSource(classes = {VertxApp.class, VertxEpollApp.class, JdkHttpServerApp.class, JettyApp.class, TomcatApp.class, UndertowGracefulApp.class})
  void noAcceptedConnectionIsClosedBeforeItsFirstResponse(Class<?> sample) throws Exception {
    Workers.assumeTransportAvailable(sample);
    List<String> failures = new CopyOnWriteArrayList<>();
    AtomicInteger answered = new AtomicInteger();
    List<ServerProcess> supervisors = new ArrayList<>();
    List<Thread> clients = new ArrayList<>();
    try {
      for (int round = 0; round < ROUNDS; round++) {
        int port = Workers.freePort();
        List<String> command = new ArrayList<>(List.of("perl", Workers.fakeSupervisor(), "127.0.0.1:" + port, "--"));
        command.addAll(Workers.java(Workers.JAVA_17, "drainTimeout=20s", sample.getName(), Integer.toString(port)));
        // The listener outlives the worker (until closed below): connections it never accepted time out
        // instead of being reset.
        ServerProcess supervisor = ServerProcess.start(command, Map.of("FAKE_SUPERVISOR_LINGER", "60"));
        supervisors.add(supervisor);
        supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
        long worker = ReadinessTest.workerPid(supervisor);
        AtomicInteger roundAnswered = new AtomicInteger();
        for (int i = 0; i < CLIENTS; i++) {
          Thread client = new Thread(() -> {
            while (supervisor.stdout().stream().noneMatch(line -> line.startsWith("exit "))) {
              try {
                if (freshConnectionGet(port)) {
                  roundAnswered.incrementAndGet();
                  answered.incrementAndGet();
                }
              } catch (IOException e) {
                failures.add(sample.getSimpleName() + ": " + e);
              }
            }
          }, "fresh-client-" + round + "-" + i);
          client.setDaemon(true);
          clients.add(client);
          client.start();
        }
        // Load first, then the drain in the middle of it.
        await().atMost(Duration.ofSeconds(20)).until(() -> roundAnswered.get() > 300);
        Signals.send("TERM", worker);
        supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(30));
        supervisor.stderr().stream().filter(line -> line.contains("waited ") || line.contains("drain")).forEach(System.out::println);
        assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
        // This round's clients stop after the request each has under way, which, the worker gone, can
        // only be a connection left in the lingering listener's queue: it times out within a second or
        // so. They are joined at the end, while the next rounds run.
      }
      for (Thread client : clients) {
        client.join(10_000);
      }
    } finally {
      supervisors.forEach(ServerProcess::close);
    }
    System.out.printf("%s: %d fresh-connection requests answered, %d failed%n",
        sample.getSimpleName(), answered.get(), failures.size());
    assertThat(failures).isEmpty();
  }

  /**
   * What the fix relies on: a connection the worker accepted and set up before the drain, whose request
   * arrives only after the framework's shutdown started (a client a little slower than the drain), is
   * answered by the draining worker, not closed as idle.
   */
  @ParameterizedTest
  @ValueSource(classes = {VertxApp.class, JdkHttpServerApp.class, JettyApp.class, TomcatApp.class, SpringBootWebFluxApp.class, UndertowApp.class, UndertowGracefulApp.class})
  void requestSentJustAfterTheDrainSignalOnAnAcceptedConnectionIsAnswered(Class<?> sample) throws Exception {
    int port = Workers.freePort();
    try (ServerProcess supervisor = ReadinessTest.startUnderFakeSupervisor(
        "127.0.0.1:" + port, sample, port, "drainTimeout=20s")) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      long worker = ReadinessTest.workerPid(supervisor);
      assertThat(Http.closeGet(port, "/")).isEqualTo(worker); // warm: the event loop is accepting
      List<Socket> sockets = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          Socket socket = new Socket();
          socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
          socket.setSoTimeout(10_000);
          sockets.add(socket);
        }
        Thread.sleep(20); // an idle worker accepts at once; its listener is still open
        Signals.send("TERM", worker);
        // The drain has started (listener closed, framework shutdown called a moment later): the
        // requests now arrive on connections the worker accepted but has not read anything from.
        supervisor.awaitStdout("datagram STOPPING=1"::equals, Duration.ofSeconds(10));
        Thread.sleep(400);
        List<String> responses = new ArrayList<>();
        for (Socket socket : sockets) {
          socket.getOutputStream().write(
              "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        for (Socket socket : sockets) {
          try {
            responses.add(new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
          } catch (IOException e) {
            responses.add(e.toString());
          }
        }
        assertThat(responses).as(supervisor.transcript()).allMatch(r -> r.startsWith("HTTP/1.1 200"));
      } finally {
        for (Socket socket : sockets) {
          socket.close();
        }
      }
      supervisor.awaitStdout(line -> line.startsWith("exit "), Duration.ofSeconds(30));
      assertThat(supervisor.stdout()).as(supervisor.transcript()).contains("exit 143");
    }
  }

  /**
   * One request on a new connection, sent right after connecting. True when answered, false when no
   * answer came within a second (the connection was not accepted by the worker); throws on an empty
   * response or a reset.
   */
  private static boolean freshConnectionGet(int port) throws IOException {
    try (Socket socket = new Socket()) {
      try {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      } catch (SocketTimeoutException backlogFull) {
        return false; // the supervisor's backlog is full of connections no worker accepts any more
      }
      socket.setSoTimeout(1_000);
      OutputStream out = socket.getOutputStream();
      out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      String response;
      try {
        response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      } catch (SocketTimeoutException notAccepted) {
        return false;
      }
      if (!response.startsWith("HTTP/1.1 200")) {
        throw new IOException("bad response: '" + response + "'");
      }
      return true;
    } catch (java.net.ConnectException refused) {
      return false; // the fake supervisor is gone
    }
  }
}
