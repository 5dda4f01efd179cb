package dev.baton.e2e.server;

import dev.baton.testkit.baton.BatonHome;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The Go twin of the sample ({@code bench/go/sleep.go}), built from source with the {@code go} on the
 * PATH (Debian's {@code golang-go}; standard library only, nothing downloaded) into
 * {@code e2e/target/go/}.
 */
public final class GoWorker {

  private GoWorker() {}

  /** The {@code go} command on the PATH, or null. */
  public static Path go() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      Path go = Path.of(dir, "go");
      if (Files.isExecutable(go)) {
        return go;
      }
    }
    return null;
  }

  /** Builds the worker (again, if the source is newer) and returns the binary's path. */
  public static Path build(BatonHome home) throws IOException, InterruptedException {
    Path go = go();
    if (go == null) {
      throw new IllegalStateException("go is not on the PATH: apt-get install golang-go");
    }
    Path dir = home.root().resolve("e2e/target/go").toAbsolutePath();
    Path binary = dir.resolve("sleep-worker");
    Path source = home.goWorkerSource();
    if (Files.isExecutable(binary) && Files.getLastModifiedTime(binary).compareTo(Files.getLastModifiedTime(source)) > 0) {
      return binary;
    }
    Files.createDirectories(dir);
    ProcessBuilder build = new ProcessBuilder(go.toString(), "build", "-o", binary.toString(), source.toString())
        .directory(dir.toFile()).redirectErrorStream(true);
    // Everything Go writes stays under target/: standard library only, so nothing is downloaded.
    build.environment().put("GOCACHE", dir.resolve("cache").toString());
    build.environment().put("GOPATH", dir.resolve("path").toString());
    build.environment().put("GOPROXY", "off");
    build.environment().put("GOTOOLCHAIN", "local");
    Process process = build.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(300, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException("go build " + source + " failed:\n" + output);
    }
    return binary;
  }
}
