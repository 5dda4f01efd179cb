package dev.baton.agent.it;

import static dev.baton.testkit.sample.Replies.PID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.config.AgentOptions;
import dev.baton.agent.samples.JdkHttpServerApp;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the webhook and helm/baton-inject give an injected pod: an emptyDir, whose root is mode 0777, and
 * {@code cache=<mount>/agent}. The agent must create {@code agent/} there as its own, private, and the
 * next generation must read its rewrites back from it. (RewriteCacheReuseTest points cache= at a
 * directory that already exists and is private; the 0777 parent is what is new here.)
 */
class EmptyDirRewriteCacheTest {

  private static final String ASM = "dev.baton.agent.shaded.net.bytebuddy.jar.asm.";
  /**
   * The agent's share of the cache volume (kubelet evicts a pod that writes past the volume's sizeLimit, 1Gi
   * in both injection paths): baton's --jvm-cache takes the rest, so the rewrite cache stays small.
   */
  private static final long AGENT_SHARE = 1024 * 1024;

  @TempDir
  Path tmp;

  @Test
  void theAgentMakesItsOwnPrivateDirectoryInAWorldWritableMountAndReadsItBack() throws Exception {
    Path mount = Files.createDirectory(tmp.resolve("baton-cache"));
    Files.setPosixFilePermissions(mount, PosixFilePermissions.fromString("rwxrwxrwx")); // as kubelet makes an emptyDir
    Path agentDir = mount.resolve("agent");

    List<String> first = runOnce("cache=" + agentDir);
    assertThat(first).anyMatch(line -> line.contains(ASM + "ClassReader "));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(agentDir))).isEqualTo("rwx------");
    assertThat(Files.getAttribute(agentDir, "unix:uid")).isEqualTo(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    List<Path> keys;
    try (Stream<Path> listing = Files.list(agentDir)) {
      keys = listing.toList();
    }
    assertThat(keys).hasSize(1); // one JVM build, one agent jar
    Path key = keys.get(0);
    assertThat(key.resolve("sun.nio.ch.ServerSocketChannelImpl.class")).isRegularFile();
    long bytes;
    try (Stream<Path> files = Files.walk(agentDir)) {
      bytes = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
    System.out.printf("rewrite cache after one start: %d bytes in %s%n", bytes, key.getFileName());
    assertThat(bytes).isPositive().isLessThan(AGENT_SHARE);

    List<String> second = runOnce("cache=" + agentDir);
    // Read back: only MethodVisitor, which the instrumentations' own classes name, may load.
    assertThat(second).noneMatch(line -> line.contains(ASM) && !line.contains(ASM + "MethodVisitor "));
  }

  /** The injected cache= comes first, so an app's own cache= in its agent arguments still decides. */
  @Test
  void aLaterCacheOptionWins() {
    assertThat(AgentOptions.parse("cache=/opt/baton-cache/agent,drainTimeout=20s,cache=off").rewriteCache())
        .isEqualTo(AgentOptions.NO_CACHE);
    assertThat(AgentOptions.parse("cache=/opt/baton-cache/agent,cache=/data/cache").rewriteCache()).isEqualTo("/data/cache");
  }

  /** Starts the sample under the fake supervisor, checks it adopts and answers, stops it; its stdout. */
  private List<String> runOnce(String agentOptions) throws Exception {
    int port = FreePorts.next();
    List<String> command = new ArrayList<>(List.of("perl", Workers.fakeSupervisor(), "127.0.0.1:" + port, "--"));
    List<String> worker = new ArrayList<>(Workers.java(Workers.JAVA_17, agentOptions,
        JdkHttpServerApp.class.getName(), Integer.toString(port)));
    worker.add(1, "-verbose:class");
    command.addAll(worker);
    try (StartedProcess supervisor = Workers.start(command, Map.of())) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      assertThat(PID.ask(port, "/").pid()).isEqualTo(FakeSupervisor.workerPid(supervisor));
      // "rewrite cache off (...)" is what a pod without a writable directory logs at every start.
      assertThat(supervisor.transcript()).doesNotContain("rewrite cache off", "ERROR", "WARNING", "baton-agent: error", "baton-agent: warning");
      return List.copyOf(supervisor.stdout());
    }
  }
}
