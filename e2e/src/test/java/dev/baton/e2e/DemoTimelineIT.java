package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/baton-demo --timeline FILE} as a user runs it: the usual tally plus one line naming the
 * picture, nothing at ERROR or WARNING, and a picture that shows the run: one HUP mark per reload and a
 * band for every generation.
 */
class DemoTimelineIT {

  @TempDir
  Path dir;

  @Test
  @Timeout(180)
  void theDemoDrawsItsRunWhenAskedAndSaysWhere() throws Exception {
    Path picture = dir.resolve("demo.svg");
    ProcessBuilder demo = new ProcessBuilder(E2e.home().root().resolve("bin/baton-demo").toString(), "--quiet",
        "--reloads", "2", "--clients", "10", "--pause", "700", "--timeline", picture.toString())
        .redirectErrorStream(true);
    demo.environment().put("BATON_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Process process = demo.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(150, TimeUnit.SECONDS)).isTrue();

    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output).contains("PASS: ", "Timeline: " + picture + " (its numbers: " + dir.resolve("demo.tsv") + ")")
        .doesNotContain("ERROR", "WARN", "Exception", "\tat ");
    String svg = Files.readString(picture);
    assertThat(svg).contains("2 HUPs", "0 failed", ">g1<", ">g2<", ">g3<");
    assertThat(svg.split("stroke-dasharray=\"4 3\"", -1)).as("two dashed HUP lines and the legend's").hasSize(2 + 1 + 1);
    assertThat(Files.readString(dir.resolve("demo.tsv"))).startsWith("# JDK HttpServer under baton: 10 clients, 2 HUPs");
  }
}
