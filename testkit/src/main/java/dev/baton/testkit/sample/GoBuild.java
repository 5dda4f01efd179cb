package dev.baton.testkit.sample;

import dev.baton.testkit.process.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A Go program the tests or the benchmark run (a worker written for start_server, Go's start_server itself),
 * built from its source with the {@code go} on the PATH (Debian's {@code golang-go}). Standard library only:
 * nothing is downloaded, and everything Go writes stays in the output directory.
 */
public final class GoBuild {

  private GoBuild() {}

  /** The {@code go} command on the PATH, or null (the callers skip, saying {@code apt-get install golang-go}). */
  public static Path go() {
    return Commands.onPath("go");
  }

  /**
   * Builds {@code source} into {@code dir/name} (again only if the source is newer than the binary) and returns
   * the binary's absolute path; fails with go's output.
   */
  public static Path build(Path source, Path dir, String name) throws IOException, InterruptedException {
    Path go = go();
    if (go == null) {
      throw new IllegalStateException("go is not on the PATH: apt-get install golang-go");
    }
    Path out = dir.toAbsolutePath();
    Path binary = out.resolve(name);
    if (Files.isExecutable(binary) && Files.getLastModifiedTime(binary).compareTo(Files.getLastModifiedTime(source)) > 0) {
      return binary;
    }
    Files.createDirectories(out);
    Commands.Result build = Commands.run(Duration.ofSeconds(300), Map.of("GOCACHE", out.resolve("cache").toString(),
        "GOPATH", out.resolve("path").toString(), "GOPROXY", "off", "GOTOOLCHAIN", "local"),
        List.of(go.toString(), "build", "-o", binary.toString(), source.toAbsolutePath().toString()));
    if (build.exit() != 0) {
      throw new IllegalStateException("go build " + source + " failed:\n" + build.output());
    }
    return binary;
  }
}
