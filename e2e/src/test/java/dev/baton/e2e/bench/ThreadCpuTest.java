package dev.baton.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.baton.e2e.bench.ThreadCpu.Kind;
import dev.baton.testkit.process.ProcessTable;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A real JVM's threads, read from its real {@code /proc}, sorted by kind: on Debian's JDK 17 and Temurin 25,
 * with G1 and with the serial collector. The JVM ({@link Busy}) compiles, collects, burns CPU in two threads
 * named as an executor names them and in its main thread, then, between two looks, in a thread that ends
 * before the second: its CPU can only be found as what the process holds beyond its threads.
 */
class ThreadCpuTest {

  private static final String TEMURIN_25 = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"17, -XX:+UseG1GC", "17, -XX:+UseSerialGC", "25, -XX:+UseG1GC", "25, -XX:+UseSerialGC"})
  @Timeout(180)
  void aJvmsCpuIsSortedByKindOfThread(int jdk, String gc) throws Exception {
    String java = jdk == 17 ? Path.of(System.getProperty("java.home"), "bin", "java").toString() : TEMURIN_25;
    assumeThat(Files.isExecutable(Path.of(java))).as(java + " not installed: JDK " + jdk + " cases skipped").isTrue();
    Path classes = Path.of(Busy.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    // The shell reaps the JVM, then prints its own stat: its children's CPU is the JVM's, whole and exact.
    Process shell = new ProcessBuilder("sh", "-c", "\"$0\" \"$@\"; cat /proc/$$/stat", java, gc, "-Xmx256m",
        "-cp", classes.toString(), Busy.class.getName()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8));
         OutputStream in = shell.getOutputStream()) {
      long jvm = await().atMost(Duration.ofSeconds(30)).until(() -> ProcessTable.scan().values().stream()
          .filter(e -> e.ppid() == shell.pid()).map(ProcessTable.Entry::pid).findFirst().orElse(-1L), pid -> pid > 0);
      ThreadCpu threads = new ThreadCpu(jvm);
      assertThat(out.readLine()).isEqualTo("steady");
      threads.look();
      ThreadCpu.Breakdown steady = threads.breakdown(threads.processTicks());
      Map<Kind, Integer> count = steady.threads();
      assertThat(count.get(Kind.C1)).as("C1 compiler threads, %s", count).isPositive();
      assertThat(count.get(Kind.C2)).as("C2 compiler threads").isPositive();
      assertThat(count.get(Kind.VM_THREAD)).as("the VM Thread").isEqualTo(1);
      assertThat(count.get(Kind.MAIN)).as("the launcher's and main thread").isEqualTo(2);
      assertThat(count.get(Kind.APP)).as("pool-1-thread-1 and -2").isEqualTo(2);
      assertThat(count.get(Kind.JVM_OTHER)).as("VM Periodic Tas, Service Thread, …").isGreaterThanOrEqualTo(4);
      assertThat(count.get(Kind.AGENT)).isZero();
      assertThat(steady.seconds(Kind.APP)).as("what the two app threads burnt").isGreaterThan(0.7);
      assertThat(steady.seconds(Kind.MAIN)).as("what main burnt").isGreaterThan(0.25);
      assertThat(steady.seconds(Kind.C1) + steady.seconds(Kind.C2)).as("compiling what they ran").isPositive();
      if (gc.contains("G1")) {
        assertThat(count.get(Kind.GC)).as("G1's threads").isGreaterThanOrEqualTo(2);
        assertThat(steady.seconds(Kind.GC)).as("G1's full collections of a 100 MB heap").isPositive();
      } else {
        assertThat(count.get(Kind.GC)).as("the serial collector has no threads").isZero();
        assertThat(steady.seconds(Kind.VM_THREAD)).as("its full collections, in the VM Thread").isPositive();
      }
      assertThat(steady.seconds(Kind.GONE)).as("no thread ended yet").isLessThan(0.03);
      assertThat(steady.roundedThreads()).as("threads read without schedstat").isZero();

      in.write("go\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
      assertThat(out.readLine()).isEqualTo("ended");
      threads.look();
      ThreadCpu.Breakdown ended = threads.breakdown(threads.processTicks());
      assertThat(ended.threads().get(Kind.APP)).as("the short-lived thread was never seen").isEqualTo(2);
      assertThat(ended.seconds(Kind.GONE)).as("its 0.4 s, held by the process").isCloseTo(0.4, within(0.12));

      in.write("exit\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
      String stat = out.readLine();
      assertThat(shell.waitFor()).isZero();
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
      long whole = Long.parseLong(f[13]) + Long.parseLong(f[14]); // the shell's cutime + cstime
      ThreadCpu.Breakdown complete = threads.breakdown(whole);
      assertThat(complete.totalSeconds()).as("the kinds add up to the JVM's whole CPU").isCloseTo(whole / 100.0, within(0.005));
      assertThat(complete.seconds(Kind.END)).as("its exit, after the last look").isLessThan(0.5);
      assertThat(complete.peakThreads()).isGreaterThanOrEqualTo(count.values().stream().mapToInt(Integer::intValue).sum());
    } finally {
      shell.destroyForcibly().waitFor();
    }
  }

  @Test
  void aSummaryTakesEachKindsMedianAndItsShareOfTheWhole() {
    ThreadCpu.Breakdown a = breakdown(Map.of(Kind.MAIN, 30L, Kind.C2, 60L, Kind.APP, 10L), 20, 18);
    ThreadCpu.Breakdown b = breakdown(Map.of(Kind.MAIN, 40L, Kind.C2, 100L, Kind.APP, 60L), 1000, 900);
    ThreadCpu.Breakdown c = breakdown(Map.of(Kind.MAIN, 50L, Kind.C2, 80L, Kind.GONE, 70L), 30, 25);
    List<ThreadCpu.Breakdown> all = new ArrayList<>(List.of(a, b, c));
    all.add(null); // a generation whose threads were never read
    ThreadCpu.Summary s = ThreadCpu.Summary.of(all);
    assertThat(s.generations()).isEqualTo(3);
    assertThat(s.medianSeconds().get(Kind.MAIN)).isEqualTo(0.40);
    assertThat(s.medianSeconds().get(Kind.C2)).isEqualTo(0.80);
    assertThat(s.medianSeconds().get(Kind.GC)).isZero();
    assertThat(s.medianTotal()).isEqualTo(2.00);
    assertThat(s.share().get(Kind.C2)).isCloseTo(240 / 500.0, within(1e-9));
    assertThat(s.share().values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1, within(1e-9));
    assertThat(s.medianThreadsSeen()).isEqualTo(30);
    assertThat(s.medianPeakThreads()).isEqualTo(25);
    assertThat(ThreadCpu.Summary.of(List.of()).generations()).isZero();
  }

  @Test
  void namesAreSortedAsHotSpotGivesThem() {
    assertThat(ThreadCpu.classify("C1 CompilerThre", "java")).isEqualTo(Kind.C1);
    assertThat(ThreadCpu.classify("G1 Refine#0", "java")).isEqualTo(Kind.GC);
    assertThat(ThreadCpu.classify("java", "java")).isEqualTo(Kind.MAIN);
    assertThat(ThreadCpu.classify("baton-drain", "java")).isEqualTo(Kind.AGENT);
    assertThat(ThreadCpu.classify("vert.x-eventloo", "java")).isEqualTo(Kind.APP);
  }

  private static ThreadCpu.Breakdown breakdown(Map<Kind, Long> someTicks, int seen, int peak) {
    Map<Kind, Long> nanos = new EnumMap<>(Kind.class);
    Map<Kind, Integer> threads = new EnumMap<>(Kind.class);
    for (Kind k : Kind.values()) {
      nanos.put(k, someTicks.getOrDefault(k, 0L) * 10_000_000L);
      threads.put(k, 0);
    }
    return new ThreadCpu.Breakdown(nanos, threads, seen, peak, 0);
  }

  /** The JVM under test: compiles, collects and burns CPU in named threads, as told on its stdin. */
  public static final class Busy {

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      CountDownLatch burnt = new CountDownLatch(2);
      CountDownLatch exit = new CountDownLatch(1);
      for (int i = 1; i <= 2; i++) {
        Thread t = new Thread(() -> {
          burn(400);
          burnt.countDown();
          awaitQuietly(exit); // alive until the end, as an executor's threads: seen at each look
        }, "pool-1-thread-" + i);
        t.start();
      }
      burnt.await();
      burn(300);
      // ~100 MB of live objects collected in full three times: G1's GC threads, or the serial collector's VM Thread
      List<int[]> kept = new ArrayList<>();
      for (int i = 0; i < 400_000; i++) {
        kept.add(new int[64]);
      }
      for (int i = 0; i < 3; i++) {
        System.gc();
      }
      System.out.println(kept.isEmpty() ? "nothing kept" : "steady");
      in.readLine();
      Thread shortLived = new Thread(() -> burn(400), "short-lived");
      shortLived.start();
      shortLived.join();
      // join returns once the Java thread is done; the kernel's thread may linger a moment after
      for (long until = System.nanoTime() + 10_000_000_000L; hasThread("short-lived") && System.nanoTime() < until; ) {
        Thread.sleep(5);
      }
      System.out.println("ended");
      in.readLine();
      exit.countDown();
    }

    private static boolean hasThread(String name) throws java.io.IOException {
      try (var tasks = Files.list(Path.of("/proc/self/task"))) {
        return tasks.anyMatch(t -> {
          try {
            return Files.readString(t.resolve("comm")).trim().equals(name);
          } catch (java.io.IOException gone) {
            return false;
          }
        });
      }
    }

    private static void awaitQuietly(CountDownLatch latch) {
      try {
        latch.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Runs varied code (work for the JIT) until this thread has used {@code millis} of CPU. */
    static long burn(long millis) {
      long until = CPU.getCurrentThreadCpuTime() + millis * 1_000_000;
      Pattern digits = Pattern.compile("(\\d)(\\d+)");
      Map<String, Integer> seen = new HashMap<>();
      long sum = 0;
      for (long i = 0; CPU.getCurrentThreadCpuTime() < until; i++) {
        String s = Long.toHexString(i * 31) + i;
        sum += digits.matcher(s).replaceAll("$2$1").hashCode();
        seen.merge(s.substring(0, 2), 1, Integer::sum);
        if (seen.size() > 1000) {
          seen.clear();
        }
      }
      return sum;
    }
  }
}
