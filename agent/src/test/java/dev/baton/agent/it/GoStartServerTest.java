package dev.baton.agent.it;

import static dev.baton.agent.it.PromptAwait.await;
import static dev.baton.testkit.sample.Replies.PID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.agent.samples.JdkHttpServerApp;
import dev.baton.agent.samples.VertxApp;
import dev.baton.agent.samples.VertxEpollApp;
import dev.baton.testkit.load.HttpLoad;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.Commands;
import dev.baton.testkit.process.StartedProcess;
import dev.baton.testkit.sample.GoBuild;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Workers with the agent under a Go start_server: {@code src/test/go/gostarter}, our own minimal program
 * that treats the sockets as github.com/lestrrat-go/server-starter does (Go's runtime opens them, a bare
 * port is AF_INET "tcp4", or with {@code -dual-stack} one AF_INET6 dual-stack "tcp" socket as older
 * versions did; they go down through {@code exec.Cmd.ExtraFiles}, which makes the open file description
 * shared with every worker blocking at each spawn; on HUP the old worker gets TERM one {@code -interval}
 * after the new one started, ready or not). Built once per run with the {@code go} on the PATH (Debian's
 * {@code golang-go}); skipped, with the reason, without one.
 */
class GoStartServerTest {

  private static final Path GO_SOURCE = Path.of("src/test/go/gostarter/main.go");
  private static final Path GO_DIR = Path.of("target/go");
  private static Path goStarter;

  @BeforeAll
  static void buildGoStarter() throws Exception {
    assumeTrue(GoBuild.go() != null, "go is not on the PATH: apt-get install golang-go (the Go start_server tests need it)");
    goStarter = GoBuild.build(GO_SOURCE, GO_DIR, "gostarter");
  }

  @Test
  void jdkHttpServerOnATcp4BarePortReloadsUnderLoad() throws Exception {
    int port = FreePorts.next();
    try (StartedProcess supervisor = goStarter(List.of("-port", Integer.toString(port)),
        worker(JdkHttpServerApp.class, List.of(), Integer.toString(port)))) {
      reloadUnderLoad(supervisor, port, 2, false);
    }
  }

  /**
   * The dual-stack socket is AF_INET6; the sample sets IP_TOS on every accepted connection, which the
   * kernel must show on the server's side of the connections (ss --tos).
   */
  @Test
  void vertxOnADualStackBarePortReloadsUnderLoadWithIpTosOnItsConnections() throws Exception {
    assumeTrue(Commands.onPath("ss") != null, "ss is not on the PATH: apt-get install iproute2");
    int port = FreePorts.next();
    try (StartedProcess supervisor = goStarter(List.of("-dual-stack", "-port", Integer.toString(port)),
        worker(VertxApp.class, List.of("-Dsample.trafficClass=16"), Integer.toString(port)))) {
      reloadUnderLoad(supervisor, port, 2, true);
    }
  }

  /** IP_TOS on connections of an inherited AF_INET socket under the JDK's INET6 channel (the agent maps it). */
  @Test
  void vertxOnATcp4BarePortSetsIpTosOnItsConnections() throws Exception {
    assumeTrue(Commands.onPath("ss") != null, "ss is not on the PATH: apt-get install iproute2");
    int port = FreePorts.next();
    try (StartedProcess supervisor = goStarter(List.of("-port", Integer.toString(port)),
        worker(VertxApp.class, List.of("-Dsample.trafficClass=16"), Integer.toString(port)))) {
      reloadUnderLoad(supervisor, port, 1, true);
    }
  }

  @Test
  void jdkHttpServerOnIpv6LoopbackReloads() throws Exception {
    assumeTrue(AddressFormsTest.ipv6Loopback(), "no IPv6 loopback on this machine");
    int port = FreePorts.next();
    InetSocketAddress address = new InetSocketAddress("::1", port);
    try (StartedProcess supervisor = goStarter(List.of("-port", "[::1]:" + port),
        worker(JdkHttpServerApp.class, List.of(), Integer.toString(port)))) {
      sequentialRequestsAcrossReloads(supervisor, () -> PID.ask(address, "/").pid(), 2);
    }
  }

  /**
   * One request at a time, a few per second, across HUPs: Go's spawn leaves the shared socket blocking
   * while the old worker still accepts. Netty accepts in a loop until the kernel says "no more"; on a
   * blocking socket that last accept blocks the acceptor until the next connection, which then waited
   * (or, once the drain had begun, was lost): before the agent restored O_NONBLOCK before each accept, a
   * request timed out (20 s) in every one of 4 reloads here.
   */
  @Test
  void vertxAtLowTrafficAnswersEveryRequestAcrossReloads() throws Exception {
    int port = FreePorts.next();
    try (StartedProcess supervisor = goStarter(List.of("-port", Integer.toString(port)),
        worker(VertxApp.class, List.of(), Integer.toString(port)))) {
      sequentialRequestsAcrossReloads(supervisor, () -> PID.ask(port, "/").pid(), 3);
    }
  }

  /** The same with Netty's native epoll transport, whose accept loop calls accept(2) through JNI. */
  @Test
  void vertxOnEpollAtLowTrafficAnswersEveryRequestAcrossReloads() throws Exception {
    Workers.assumeTransportAvailable(VertxEpollApp.class);
    int port = FreePorts.next();
    try (StartedProcess supervisor = goStarter(List.of("-port", Integer.toString(port)),
        worker(VertxEpollApp.class, List.of(), Integer.toString(port)))) {
      sequentialRequestsAcrossReloads(supervisor, () -> PID.ask(port, "/").pid(), 2);
    }
  }

  /** {@code reloads} HUPs under {@link ReloadUnderLoad#steadyLoad(int)}; with {@code ipTos}, the connections' IP_TOS is checked before each and after the last. */
  private void reloadUnderLoad(StartedProcess supervisor, int port, int reloads, boolean ipTos) throws Exception {
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> PID.ask(port, "/").pid() > 0);
    Set<Long> servedBy = new HashSet<>();
    try (HttpLoad load = ReloadUnderLoad.steadyLoad(port)) {
      for (int reload = 1; reload <= reloads; reload++) {
        int diedBefore = oldWorkersDied(supervisor);
        await().atMost(Duration.ofSeconds(20)).until(() -> !load.answeringPids().isEmpty());
        servedBy.addAll(load.answeringPids());
        if (ipTos) {
          awaitIpTosOnConnections(port);
        }
        supervisor.signal("HUP");
        await().atMost(Duration.ofSeconds(60)).until(() -> oldWorkersDied(supervisor) > diedBefore);
        await().atMost(Duration.ofSeconds(60)).until(() -> !servedBy.containsAll(load.answeringPids()));
        servedBy.addAll(load.answeringPids());
      }
      if (ipTos) {
        awaitIpTosOnConnections(port);
      }
      load.close();
      System.out.printf("GoStartServerTest under load: %d requests answered, %d failed, pids %s%n",
          load.completed(), load.failed(), servedBy);
      assertThat(load.failures()).as(supervisor.transcript()).isEmpty();
      assertThat(load.completed()).isGreaterThan(reloads * 10);
    }
    assertThat(servedBy).as("pids that answered").hasSizeGreaterThanOrEqualTo(reloads + 1);
    assertCleanStop(supervisor);
  }

  private void sequentialRequestsAcrossReloads(StartedProcess supervisor, Callable<Long> request, int reloads)
      throws Exception {
    long serving = await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(request, pid -> pid > 0);
    List<String> failures = new ArrayList<>();
    int answered = 0;
    long slowestNanos = 0;
    for (int reload = 1; reload <= reloads; reload++) {
      long old = serving;
      int diedBefore = oldWorkersDied(supervisor);
      supervisor.signal("HUP");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      // Requests go on until the old worker has exited and the new one answers, so some hit the old
      // worker while it drains, and some wait in the backlog while neither accepts.
      while ((serving == old || oldWorkersDied(supervisor) == diedBefore) && System.nanoTime() < deadline) {
        long start = System.nanoTime();
        try {
          serving = request.call();
          answered++;
        } catch (Exception e) {
          failures.add("reload " + reload + ": " + e);
        }
        slowestNanos = Math.max(slowestNanos, System.nanoTime() - start);
        Thread.sleep(100);
      }
      assertThat(serving).as("a new worker answers after HUP " + reload + "\n" + supervisor.transcript()).isNotEqualTo(old);
    }
    System.out.printf("GoStartServerTest at low traffic: %d requests answered, %d failed, slowest %d ms%n",
        answered, failures.size(), TimeUnit.NANOSECONDS.toMillis(slowestNanos));
    assertThat(failures).as(supervisor.transcript()).isEmpty();
    assertCleanStop(supervisor);
  }

  /** Every old worker drained and exited on its TERM (143), nothing was thrown, no warning but the known one. */
  private static void assertCleanStop(StartedProcess supervisor) {
    supervisor.stderr().stream().filter(line -> line.startsWith("old worker "))
        .forEach(line -> assertThat(line).as(supervisor.transcript()).endsWith("status:143"));
    assertThat(WorkerLog.withoutNettyAcceptCloseNoise(supervisor.transcript()))
        .as("no JVM or agent warning, nothing thrown")
        .doesNotContain("WARNING", "Exception", "ERROR", "baton-agent: warning", "baton-agent: error");
  }

  /**
   * Every established connection on the server's side of the port carries the sample's traffic class
   * (IP_TOS on AF_INET, IPV6_TCLASS on AF_INET6), as the kernel reports it (ss --tos). Awaited: Netty sets
   * a connection's options just after accepting it, so one just accepted may not have them yet.
   */
  private static void awaitIpTosOnConnections(int port) {
    List<String> seen = new ArrayList<>();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        seen.clear();
        seen.addAll(serverSideConnections(port));
        return !seen.isEmpty() && seen.stream().allMatch(line -> line.matches(".*\\b(tos|tclass):0x10\\b.*"));
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("connections on port " + port + " without traffic class 0x10 (ss --tos):\n"
          + String.join("\n", seen), e);
    }
  }

  private static List<String> serverSideConnections(int port) throws Exception {
    Process ss = new ProcessBuilder("ss", "-tnH", "--tos", "state", "established", "sport", "=", ":" + port)
        .redirectErrorStream(true).start();
    String output = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    ss.waitFor(10, TimeUnit.SECONDS);
    return output.lines().filter(line -> !line.isBlank()).toList();
  }

  private static StartedProcess goStarter(List<String> options, List<String> worker) throws IOException {
    List<String> command = new ArrayList<>(List.of(goStarter.toString()));
    command.addAll(options);
    command.add("--");
    command.addAll(worker);
    return Workers.start(command, Map.of());
  }

  private static List<String> worker(Class<?> sample, List<String> jvmOptions, String... args) {
    List<String> command = new ArrayList<>(Workers.java(Workers.JAVA_17, "", sample.getName(), args));
    command.addAll(1, jvmOptions);
    return command;
  }

  private static int oldWorkersDied(StartedProcess supervisor) {
    return (int) supervisor.stderr().stream().filter(line -> line.startsWith("old worker ")).count();
  }

}
