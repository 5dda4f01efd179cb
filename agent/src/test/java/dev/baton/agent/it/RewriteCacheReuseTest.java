package dev.baton.agent.it;

import static dev.baton.testkit.sample.Replies.PID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.samples.JdkHttpServerApp;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.StartedProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The next generation reads back the rewrites the first one made and never runs ASM; a cache entry that
 * no longer matches the JDK's class file is rewritten again, not used.
 */
class RewriteCacheReuseTest {

  private static final String ASM = "dev.baton.agent.shaded.net.bytebuddy.jar.asm.";

  @TempDir
  Path cache;

  @Test
  void theSecondStartReadsItsRewritesBackWithoutRunningAsm() throws Exception {
    List<String> first = runOnce();
    assertThat(first).anyMatch(line -> line.contains(ASM + "ClassReader "));
    Path entries = onlyKeyDirectory();
    assertThat(entries.resolve("sun.nio.ch.ServerSocketChannelImpl.class")).isRegularFile();
    assertThat(entries.resolve("sun.net.httpserver.ServerImpl.class")).isRegularFile();

    List<String> second = runOnce();
    // Only MethodVisitor, which the instrumentations' own classes name, may load: nothing that reads,
    // writes or transforms a class.
    assertThat(second).noneMatch(line -> line.contains(ASM) && !line.contains(ASM + "MethodVisitor "));

    // As if the JDK had been updated in place: the entry's original no longer matches.
    Path entry = entries.resolve("sun.nio.ch.ServerSocketChannelImpl.class");
    byte[] bytes = Files.readAllBytes(entry);
    bytes[20] ^= 0x55;
    Files.write(entry, bytes);
    List<String> third = runOnce();
    assertThat(third).anyMatch(line -> line.contains(ASM + "ClassReader "));
    assertThat(Files.readAllBytes(entry)).isNotEqualTo(bytes); // rewritten and stored again
  }

  /** Containers often have no writable home: the default cache then lives in the temporary directory. */
  @Test
  void withoutAWritableHomeTheDefaultCacheIsTheUidsOwnDirectoryInTmp() throws Exception {
    Path homeIsAFile = Files.writeString(cache.resolve("home"), "not a directory");

    runOnce("", "-Duser.home=" + homeIsAFile, "-Djava.io.tmpdir=" + cache);

    Path fallback = cache.resolve("baton-agent-" + Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    try (Stream<Path> keys = Files.list(fallback)) {
      Path key = keys.findFirst().orElseThrow();
      assertThat(key.resolve("sun.nio.ch.ServerSocketChannelImpl.class")).isRegularFile();
    }
  }

  private List<String> runOnce() throws Exception {
    return runOnce("cache=" + cache);
  }

  /** Starts the sample under the fake supervisor, checks it adopts and answers, stops it; its stdout. */
  private List<String> runOnce(String agentOptions, String... jvmOptions) throws Exception {
    int port = FreePorts.next();
    List<String> command = new ArrayList<>(List.of("perl", Workers.fakeSupervisor(), "127.0.0.1:" + port, "--"));
    List<String> worker = new ArrayList<>(Workers.java(Workers.JAVA_17, agentOptions,
        JdkHttpServerApp.class.getName(), Integer.toString(port)));
    worker.add(1, "-verbose:class");
    worker.addAll(2, List.of(jvmOptions));
    command.addAll(worker);
    // XDG_CACHE_HOME empty counts as unset: the default location is the one under test.
    try (StartedProcess supervisor = Workers.start(command, Map.of("XDG_CACHE_HOME", ""))) {
      supervisor.awaitStdout("datagram READY=1"::equals, Duration.ofSeconds(30));
      assertThat(PID.ask(port, "/").pid()).isEqualTo(FakeSupervisor.workerPid(supervisor));
      assertThat(supervisor.transcript()).doesNotContain("ERROR", "WARNING", "baton-agent: error", "baton-agent: warning");
      return List.copyOf(supervisor.stdout());
    }
  }

  private Path onlyKeyDirectory() throws Exception {
    try (Stream<Path> keys = Files.list(cache)) {
      List<Path> all = keys.toList();
      assertThat(all).hasSize(1);
      return all.get(0);
    }
  }
}
