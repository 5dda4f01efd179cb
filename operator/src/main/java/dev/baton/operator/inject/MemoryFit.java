package dev.baton.operator.inject;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a reload fits in the container's memory limit. During a reload one container holds baton and two
 * generations of the app's JVM, each sizing its heap as if it were alone; over the limit the kernel kills
 * (with cgroup v2 and Kubernetes 1.28+, {@code memory.oom.group}: the whole container). The rule, the same
 * one helm/README.md ("Memory: sizing for a reload") and baton-inject's {@code baton-inject.memoryWarning}
 * state:
 *
 * <pre>limit >= 2 x (max heap + 64 MiB non-heap) + 100 MiB (baton) + 10% of the limit (margin)</pre>
 *
 * It is the static form of baton's own check before a reload (current usage + one more generation + margin
 * within the limit): at rest the container uses baton plus one generation, and a generation uses at most
 * its heap plus its non-heap memory. The margin is baton's own default ({@code --memory-margin 10%}, sidecar
 * {@code MemoryMargin.DEFAULT}, compared by the e2e module's MemoryRuleAgreementTest): with a fixed margin
 * here the webhook would pass a large container that baton then refuses to reload (2Gi: 64 MiB here, 205 MiB
 * there). The non-heap figure is a small service's (metaspace, code cache,
 * thread stacks): larger apps need more, so passing this check is necessary, not sufficient.
 *
 * <p>The max heap is read the way HotSpot's ergonomics set it ({@code Arguments::set_heap_size}):
 * {@code -Xmx}/{@code -XX:MaxHeapSize}, else {@code MaxRAMPercentage} (25) of the limit, or
 * {@code MinRAMPercentage} (50) of it when that is below the built-in default heap (~125 MiB), never below
 * that default otherwise; {@code -XX:MaxRAM} replaces the limit and {@code -Xms} raises the result. Flags come
 * from {@code JAVA_TOOL_OPTIONS}, then {@code JDK_JAVA_OPTIONS}, then the command line (a later one wins), the
 * command's only when it runs {@code java} itself. MemoryFitTest compares the result with what real JVMs
 * print ({@code -XX:+PrintFlagsFinal}).
 */
public final class MemoryFit {
  public static final long MIB = 1024L * 1024;
  /** baton's own JVM (64 MiB heap, metaspace, Vert.x for the control API), rounded up. */
  public static final long BATON_BYTES = 100 * MIB;
  /** Non-heap memory of one app JVM: metaspace, code cache, GC structures, thread stacks. */
  public static final long NON_HEAP_BYTES = 64 * MIB;
  /** Kept free, in percent of the limit: baton's default {@code --memory-margin}. */
  public static final int MARGIN_PERCENT = 10;
  /** HotSpot's built-in MaxHeapSize default: 96 MB scaled for 64-bit words (x 13/10, 8-byte aligned). */
  static final long BUILTIN_MAX_HEAP = (96 * MIB * 13 / 10) & ~7L;
  /** HotSpot rounds a heap size it picks itself up to its heap alignment (2 MiB here, JDK 17 and 25). */
  static final long HEAP_ALIGNMENT = 2 * MIB;
  /** Below this a suggested heap cap is no use: the limit itself must grow. */
  private static final long SMALLEST_USEFUL_HEAP = 16 * MIB;

  private static final Pattern SIZE = Pattern.compile("(\\d+)([kKmMgGtT]?)");

  private MemoryFit() {}

  /** The heap one app JVM may grow to, and how the JVM came to it (for the message). */
  public record Heap(long bytes, String why) {}

  /** The JVM's heap flags, the last of each kind as the JVM applies them. */
  static final class Flags {
    String maxHeap;        // the token: -Xmx512m or -XX:MaxHeapSize=...
    long maxHeapBytes = -1;
    long initialHeapBytes = -1;
    double maxRamPercentage = -1;
    double minRamPercentage = -1;
    long maxRam = -1;

    boolean sizesHeap() {
      return maxHeapBytes > 0 || initialHeapBytes > 0 || maxRamPercentage >= 0 || minRamPercentage >= 0 || maxRam > 0;
    }

    void read(String token) {
      String t = token.strip();
      if (t.startsWith("-Xmx") || t.startsWith("-XX:MaxHeapSize=")) {
        long b = size(t.substring(t.startsWith("-Xmx") ? 4 : "-XX:MaxHeapSize=".length()));
        if (b > 0) {
          maxHeap = t;
          maxHeapBytes = b;
        }
      } else if (t.startsWith("-Xms") || t.startsWith("-XX:InitialHeapSize=")) {
        long b = size(t.substring(t.startsWith("-Xms") ? 4 : "-XX:InitialHeapSize=".length()));
        if (b > 0) {
          initialHeapBytes = b;
        }
      } else if (t.startsWith("-XX:MaxRAMPercentage=")) {
        maxRamPercentage = percentage(t.substring("-XX:MaxRAMPercentage=".length()), maxRamPercentage);
      } else if (t.startsWith("-XX:MinRAMPercentage=")) {
        minRamPercentage = percentage(t.substring("-XX:MinRAMPercentage=".length()), minRamPercentage);
      } else if (t.startsWith("-XX:MaxRAM=")) {
        long b = size(t.substring("-XX:MaxRAM=".length()));
        if (b > 0) {
          maxRam = b;
        }
      }
    }
  }

  /**
   * The warning for a container whose limit cannot hold a reload, or null when it can or nothing can be told
   * (no memory limit, or a command that is not {@code java} with no heap settings in the environment).
   *
   * @param argv the app's command and args as the container runs them (without baton)
   * @param javaToolOptions the app's own {@code JAVA_TOOL_OPTIONS}, or null
   * @param jdkJavaOptions {@code JDK_JAVA_OPTIONS}, or null
   * @param memoryLimit {@code resources.limits.memory} (a Kubernetes quantity), or null
   */
  public static String check(String container, List<String> argv, String javaToolOptions, String jdkJavaOptions,
      String memoryLimit) {
    if (memoryLimit == null || memoryLimit.isBlank()) {
      return null;
    }
    long limit;
    try {
      limit = Quantity.getAmountInBytes(Quantity.parse(memoryLimit.strip())).setScale(0, java.math.RoundingMode.FLOOR)
          .min(BigDecimal.valueOf(Long.MAX_VALUE)).longValueExact();
    } catch (RuntimeException e) {
      return null; // the API server refuses a malformed quantity anyway
    }
    Flags flags = new Flags();
    for (String options : new String[] {javaToolOptions, jdkJavaOptions}) {
      if (options != null && !options.isBlank()) {
        for (String t : options.strip().split("\\s+")) {
          flags.read(t);
        }
      }
    }
    List<String> jvmOptions = jvmOptions(argv);
    if (jvmOptions == null && !flags.sizesHeap()) {
      return null; // a script or launcher starts the JVM: its heap flags, if any, are out of sight
    }
    if (jvmOptions != null) {
      jvmOptions.forEach(flags::read);
    }
    return verdict(container, limit, flags);
  }

  /** The heap HotSpot's ergonomics give a JVM with these flags in a container limited to {@code limit} bytes. */
  static Heap heap(Flags f, long limit) {
    if (f.maxHeapBytes > 0) {
      return new Heap(f.maxHeapBytes, f.maxHeap);
    }
    boolean ownRam = f.maxRam > 0;
    long phys = ownRam ? f.maxRam : limit;
    String of = ownRam ? " of MaxRAM" : " of the limit";
    double maxPct = f.maxRamPercentage >= 0 ? f.maxRamPercentage : 25;
    double minPct = f.minRamPercentage >= 0 ? f.minRamPercentage : 50;
    long reasonableMax = (long) ((phys * maxPct) / 100);
    long reasonableMin = (long) ((phys * minPct) / 100);
    Heap heap;
    if (reasonableMin < BUILTIN_MAX_HEAP) {
      heap = new Heap(aligned(reasonableMin), "MinRAMPercentage=" + number(minPct) + of
          + (f.minRamPercentage >= 0 ? "" : ", the JVM's default"));
    } else if (reasonableMax >= BUILTIN_MAX_HEAP) {
      heap = new Heap(aligned(reasonableMax), "MaxRAMPercentage=" + number(maxPct) + of
          + (f.maxRamPercentage >= 0 ? "" : ", the JVM's default"));
    } else {
      heap = new Heap(aligned(BUILTIN_MAX_HEAP), "the JVM's smallest default heap");
    }
    if (f.initialHeapBytes > heap.bytes()) {
      heap = new Heap(f.initialHeapBytes, "-Xms");
    }
    return heap;
  }

  /** What a reload needs with this heap in this limit: two JVMs, baton and the margin. */
  public static long needed(long heapBytes, long limitBytes) {
    return 2 * (heapBytes + NON_HEAP_BYTES) + BATON_BYTES + margin(limitBytes);
  }

  /** baton's {@code --memory-margin 10%} of this limit, rounded as baton rounds it. */
  public static long margin(long limitBytes) {
    return limitBytes / 100 * MARGIN_PERCENT + limitBytes % 100 * MARGIN_PERCENT / 100;
  }

  static String verdict(String container, long limit, Flags flags) {
    Heap heap = heap(flags, limit);
    long need = needed(heap.bytes(), limit);
    if (limit >= need) {
      return null;
    }
    long fits = (limit - margin(limit) - BATON_BYTES) / 2 - NON_HEAP_BYTES;
    String cap = fits >= SMALLEST_USEFUL_HEAP ? "cap the heap at " + fits / MIB + "Mi (-Xmx" + fits / MIB + "m)" : null;
    long smallest = smallestLimit(flags, limit);
    String raise = smallest > 0 ? "raise the limit to " + smallest / MIB + "Mi" : null;
    String fix = cap != null && raise != null ? cap + " or " + raise
        : cap != null ? cap : raise != null ? raise
        : "cap the heap with -Xmx and raise the limit: a heap of " + heap.why() + " grows with the limit";
    return "container " + container + ": a reload needs " + mibUp(need) + "Mi but the memory limit is " + mibUp(limit)
        + "Mi: 2 JVMs x (" + mibUp(heap.bytes()) + "Mi heap (" + heap.why() + ") + 64Mi non-heap) + baton 100Mi"
        + " + margin " + mibUp(margin(limit)) + "Mi (10% of the limit); " + fix + " (sizing rule: helm/README.md)";
  }

  /**
   * The smallest limit, in whole MiB, at which a reload fits, with the heap the JVM would pick in that limit
   * (a percentage heap grows with it), or -1 when none is found within {@link #LIMIT_ROUNDS} rounds (a heap
   * near half the limit, whose rounds climb past {@link #LARGEST_LIMIT}: raising the limit cannot make room). Each round raises the limit to what the heap at
   * the previous one needs; the heap never shrinks as the limit grows, so the rounds climb to the smallest
   * limit that fits and never past it. The chart's template (baton-inject.memoryWarning) takes the same rounds.
   */
  static long smallestLimit(Flags flags, long from) {
    long limit = from;
    for (int round = 0; round < LIMIT_ROUNDS && limit <= LARGEST_LIMIT; round++) {
      long heap = heap(flags, limit).bytes();
      // The smallest L with L - margin(L) >= base: L - floor(L/10) >= base, i.e. L > (base - 1) * 10 / 9.
      long base = 2 * (heap + NON_HEAP_BYTES) + BATON_BYTES;
      long next = mibUp((base - 1) * 100 / (100 - MARGIN_PERCENT) + 1) * MIB;
      if (next <= limit) {
        return limit;
      }
      limit = next;
    }
    return -1;
  }

  /** Rounds of {@link #smallestLimit}: enough for MaxRAMPercentage up to ~40. */
  static final int LIMIT_ROUNDS = 64;
  /** Past this (1 TiB) the rounds stop: a heap that keeps pace with the limit. */
  static final long LARGEST_LIMIT = 1024 * 1024 * MIB;

  /**
   * The JVM options of a {@code java} command line: the tokens after {@code java} up to the main class, the
   * {@code -jar} file or the module; null when the command is not {@code java} (a script, a launcher) and so
   * says nothing about the JVM. An {@code @argfile} cannot be read here and ends the options too.
   */
  static List<String> jvmOptions(List<String> argv) {
    if (argv == null || argv.isEmpty()) {
      return null;
    }
    String first = argv.get(0);
    if (!first.substring(first.lastIndexOf('/') + 1).equals("java")) {
      return null;
    }
    List<String> options = new ArrayList<>();
    for (int i = 1; i < argv.size(); i++) {
      String t = argv.get(i);
      if (!t.startsWith("-")) {
        // The main class, after which come the app's arguments; or an @argfile, unreadable from here, which may
        // hold the main class (Jib's @/app/jib-main-class-file): what follows could be the app's either way.
        break;
      }
      if (t.equals("-jar") || t.equals("-m") || t.equals("--module") || t.startsWith("--module=")) {
        break;
      }
      if (List.of("-cp", "-classpath", "--class-path", "-p", "--module-path", "--upgrade-module-path", "--add-modules",
          "--add-opens", "--add-exports", "--add-reads", "--patch-module", "--limit-modules", "--source").contains(t)) {
        i++; // its value is the next token
        continue;
      }
      options.add(t);
    }
    return options;
  }

  private static long size(String text) {
    Matcher m = SIZE.matcher(text);
    if (!m.matches()) {
      return -1;
    }
    try {
      long n = Long.parseLong(m.group(1));
      int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
        case "k" -> 10;
        case "m" -> 20;
        case "g" -> 30;
        case "t" -> 40;
        default -> 0;
      };
      return Math.multiplyExact(n, 1L << shift);
    } catch (ArithmeticException | NumberFormatException e) {
      return -1;
    }
  }

  private static double percentage(String text, double previous) {
    try {
      double d = Double.parseDouble(text);
      return d >= 0 && d <= 100 ? d : previous;
    } catch (NumberFormatException e) {
      return previous;
    }
  }

  private static long aligned(long bytes) {
    return (bytes + HEAP_ALIGNMENT - 1) / HEAP_ALIGNMENT * HEAP_ALIGNMENT;
  }

  private static long mibUp(long bytes) {
    return (bytes + MIB - 1) / MIB;
  }

  private static String number(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }
}
