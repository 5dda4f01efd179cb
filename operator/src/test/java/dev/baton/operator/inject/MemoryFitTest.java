package dev.baton.operator.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MemoryFit reads a JVM's max heap the way HotSpot's ergonomics set it: checked against what real JVMs
 * print with {@code -XX:+PrintFlagsFinal}, the container limit played by {@code -XX:MaxRAM} (HotSpot takes
 * the smaller of the two as the memory it sizes from).
 */
class MemoryFitTest {
  static final Path TEMURIN_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
  static final long MIB = MemoryFit.MIB;

  /** {limit, JVM flags...}: small memory (MinRAMPercentage), the floor, 25%, own percentages, -Xmx, -Xms, MaxRAM. */
  static final String[][] CASES = {
      {"200m"}, {"256m"}, {"400m"}, {"512m"}, {"600m"}, {"1g"}, {"4g"},
      {"1g", "-XX:MaxRAMPercentage=70"}, {"200m", "-XX:MinRAMPercentage=80"}, {"2g", "-XX:MaxRAMPercentage=12.5"},
      {"1g", "-Xms600m"}, {"1g", "-Xmx300m"}, {"8g", "-XX:MaxRAM=1g"},
  };

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"java", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"})
  void theHeapIsWhatTheJvmPicks(String java) throws Exception {
    assumeThat(java.equals("java") || Files.isExecutable(TEMURIN_25)).as("Temurin 25 at " + TEMURIN_25).isTrue();
    for (String[] c : CASES) {
      long limit = bytes(c[0]);
      MemoryFit.Flags flags = new MemoryFit.Flags();
      List<String> jvmFlags = List.of(c).subList(1, c.length);
      jvmFlags.forEach(flags::read);
      long estimate = MemoryFit.heap(flags, limit).bytes();
      long real = maxHeapSize(java, limit, jvmFlags);
      // HotSpot aligns the heap to its collector's alignment; MemoryFit to 2 MiB.
      assertThat(Math.abs(estimate - real)).as("%s %s: MemoryFit %d, the JVM %d", c[0], jvmFlags, estimate, real)
          .isLessThanOrEqualTo(2 * MIB);
    }
  }

  @Test
  void theRuleAndItsMessage() {
    // 2 x (heap + 64) + 100 + 10% of the limit: a 256Mi heap needs 823Mi (740Mi + 82.3Mi).
    assertThat(MemoryFit.check("web", List.of("java", "-Xmx256m", "-jar", "app.jar"), null, null, "823Mi")).isNull();
    assertThat(MemoryFit.check("web", List.of("java", "-Xmx256m", "-jar", "app.jar"), null, null, "822Mi"))
        .isEqualTo("container web: a reload needs 823Mi but the memory limit is 822Mi: 2 JVMs x (256Mi heap (-Xmx256m)"
            + " + 64Mi non-heap) + baton 100Mi + margin 83Mi (10% of the limit); cap the heap at 255Mi (-Xmx255m) or raise"
            + " the limit to 823Mi (sizing rule: helm/README.md)");
    // A limit too small for any heap: only the limit can grow, and the heap grows with it. 200Mi: a 100Mi heap
    // (MinRAMPercentage=50); at 544Mi the JVM's default heap is its smallest (126Mi), and 2 x 190 + 100 + 54.4 fit.
    assertThat(MemoryFit.check("web", List.of("java", "-jar", "app.jar"), null, null, "200Mi"))
        .contains("100Mi heap (MinRAMPercentage=50 of the limit, the JVM's default)").endsWith("raise the limit to 574Mi"
            + " (sizing rule: helm/README.md)");
    // A heap that is a large share of the limit: no limit holds two, only a cap helps.
    assertThat(MemoryFit.check("web", List.of("java", "-XX:MaxRAMPercentage=50", "-jar", "app.jar"), null, null, "1Gi"))
        .endsWith("; cap the heap at 346Mi (-Xmx346m) (sizing rule: helm/README.md)");
    // Quantities as Kubernetes writes them.
    assertThat(MemoryFit.check("web", List.of("java", "-Xmx1g", "-jar", "app.jar"), null, null, "2.5Gi")).isNull();
    assertThat(MemoryFit.check("web", List.of("java", "-Xmx1g", "-jar", "app.jar"), null, null, "2G"))
        .contains("the memory limit is 1908Mi");
    // JVM options before the main class, not after it; @argfiles and -cp values skipped.
    assertThat(MemoryFit.jvmOptions(List.of("/usr/bin/java", "-cp", "@/app/jib-classpath-file", "-Xmx1g",
        "@/app/jib-main-class-file", "-Xmx2g"))).containsExactly("-Xmx1g");
    assertThat(MemoryFit.jvmOptions(List.of("/cnb/process/web"))).isNull();
  }

  /**
   * The fix the warning gives works: the suggested heap cap fits in the same limit, and the suggested limit
   * is the smallest that fits with the heap the JVM picks there (a percentage heap grows with the limit).
   */
  @Test
  void theSuggestedFixFitsAndTheSuggestedLimitIsTheSmallest() {
    java.util.regex.Pattern cap = java.util.regex.Pattern.compile("cap the heap at (\\d+)Mi");
    java.util.regex.Pattern raise = java.util.regex.Pattern.compile("raise the limit to (\\d+)Mi");
    int warnings = 0;
    for (String[] c : CASES) {
      List<String> flags = List.of(c).subList(1, c.length);
      for (long limitMi = 128; limitMi <= 4096; limitMi += 37) {
        String warning = check(flags, limitMi + "Mi");
        if (warning == null) {
          continue;
        }
        warnings++;
        java.util.regex.Matcher m = cap.matcher(warning);
        if (m.find() && flags.stream().noneMatch(f -> f.startsWith("-Xms"))) {
          List<String> capped = new ArrayList<>(flags);
          capped.add("-Xmx" + m.group(1) + "m");
          assertThat(check(capped, limitMi + "Mi")).as("%s in %dMi capped: %s", flags, limitMi, warning).isNull();
        }
        m = raise.matcher(warning);
        assertThat(m.find() || warning.contains("cap the heap")).as(warning).isTrue();
        if (m.find(0)) {
          long suggested = Long.parseLong(m.group(1));
          assertThat(check(flags, suggested + "Mi")).as("%s at the suggested %dMi (from %dMi)", flags, suggested, limitMi)
              .isNull();
          assertThat(check(flags, (suggested - 1) + "Mi")).as("%s at %dMi, below the suggestion", flags, suggested - 1)
              .isNotNull();
        }
      }
    }
    assertThat(warnings).as("warnings in the grid").isGreaterThan(50);
  }

  private static String check(List<String> flags, String limit) {
    List<String> argv = new ArrayList<>(List.of("java"));
    argv.addAll(flags);
    argv.addAll(List.of("-jar", "app.jar"));
    return MemoryFit.check("web", argv, null, null, limit);
  }

  private static long bytes(String size) {
    char unit = size.charAt(size.length() - 1);
    long n = Long.parseLong(size.substring(0, size.length() - 1));
    return n * (unit == 'g' ? 1024 * MIB : MIB);
  }

  /** MaxHeapSize as the JVM prints it, with {@code limit} as its memory. */
  private static long maxHeapSize(String java, long limit, List<String> flags) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(java));
    if (flags.stream().noneMatch(f -> f.startsWith("-XX:MaxRAM="))) {
      cmd.add("-XX:MaxRAM=" + limit);
    }
    cmd.addAll(flags);
    cmd.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out.lines().filter(l -> l.matches("\\s*size_t MaxHeapSize\\s+=.*")).map(l -> l.split("=")[1].trim().split("\\s+")[0])
        .mapToLong(Long::parseLong).findFirst().orElseThrow(() -> new AssertionError("no MaxHeapSize in " + out));
  }
}
