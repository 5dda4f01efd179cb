package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.testkit.port.FreePorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults that root never meets: a port below 1024 without the capability, an envdir it may not read.
 * CI runs as root, so baton runs here as {@code nobody} with every capability dropped
 * ({@code setpriv}), from the packaged jar (the test class path lives under root's home). Each must be
 * one clear line, exit 1, and no file left behind.
 */
class UnprivilegedIT {

  @TempDir
  Path dir;

  @BeforeEach
  void asNobody() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root to become nobody");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux)");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx")); // nobody writes its files here
  }

  private record Run(int exit, List<String> lines) {}

  private Run baton(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", E2e.home().baton().toString(),
        "--pid-file=" + dir.resolve("pid"), "--status-file=" + dir.resolve("status")));
    command.addAll(List.of(args));
    command.addAll(List.of("--", "sleep", "60"));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("baton exits").isTrue();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Run(p.exitValue(), output.lines().filter(l -> !l.startsWith("start_server (pid:")).toList());
  }

  private List<String> filesLeft(Path... besides) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> !List.of(besides).contains(f)).map(f -> f.getFileName().toString()).toList();
    }
  }

  @Test
  @Timeout(120)
  void aPrivilegedPortWithoutTheCapabilityIsOneLineAndExit1() throws Exception {
    Run run = baton("--port=127.0.0.1:80");
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.lines()).containsExactly("baton: error: cannot listen on 127.0.0.1:80: Permission denied (ports below 1024"
        + " need root or CAP_NET_BIND_SERVICE: use a higher --port or grant the capability)");
    assertThat(filesLeft()).isEmpty();
  }

  @Test
  @Timeout(120)
  void anUnreadableEnvdirIsOneLineAndExit1() throws Exception {
    Path envdir = Files.createDirectory(dir.resolve("env"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("---------")));
    Run run = baton("--port=127.0.0.1:" + FreePorts.next(), "--envdir=" + envdir);
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.lines()).containsExactly("baton: error: cannot read envdir " + envdir
        + ": permission denied (make it readable by this user)");
    assertThat(filesLeft(envdir)).isEmpty();
  }
}
