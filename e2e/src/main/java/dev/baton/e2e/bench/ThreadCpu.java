package dev.baton.e2e.bench;

import dev.baton.testkit.process.ProcessTable;
import dev.baton.testkit.process.ProcessTable.Task;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where one JVM's CPU goes, by kind of thread: each look reads its threads' {@code /proc/PID/task/TID/stat}
 * (name) and {@code schedstat} (time on a CPU, in ns: {@code stat}'s utime + stime are whole ticks, each thread
 * rounded down apart, and a thousand request threads that ran a few ms each would show nothing) and keeps, per
 * thread, the last figure seen. What no look saw is kept apart:
 * the kernel folds a thread's CPU into its process's own when it exits, so the process's CPU minus the
 * threads' last figures is what threads used after they were last seen (short-lived ones: all of it),
 * and the CPU of the whole life, once it is known, minus the process's CPU at the last look is its end.
 *
 * <p>HotSpot names its own threads (cut to 15 characters by the kernel): {@code C1 CompilerThre},
 * {@code C2 CompilerThre}, {@code VM Thread}, G1's {@code GC Thread#N}, {@code G1 Conc#N},
 * {@code G1 Refine#N}, {@code G1 Main Marker}, {@code G1 Service}, and {@code VM Periodic Tas},
 * {@code Service Thread}, {@code Monitor Deflati}, … (the same on Debian's JDK 17 and Temurin 25). The
 * serial collector has no threads: it collects in the {@code VM Thread}. The launcher's thread and the
 * thread that runs {@code main} keep the process's name ({@code java}): start-up, class loading, the
 * agent's premain and the application's init. Threads started from Java carry their Java names.
 */
final class ThreadCpu {

  /** What a thread is there for. */
  enum Kind {
    MAIN("main", "the launcher's and main thread: class loading, premain, the app's init"),
    AGENT("agent", "baton-* threads: the agent's set-up, its drain"),
    C1("C1 JIT", "C1 CompilerThre"),
    C2("C2 JIT", "C2 CompilerThre"),
    GC("GC", "GC Thread#N, G1 *"),
    VM_THREAD("VM Thread", "safepoint operations; the serial collector's collections"),
    JVM_OTHER("other JVM", "VM Periodic Tas, Service Thread, Monitor Deflati, Finalizer, Signal Dispatch, …"),
    APP("app threads", "every other thread: the server's dispatcher, event loops, request executors"),
    GONE("unseen, gone", "threads' CPU after their last look: threads that ended between two looks"),
    END("after the last look", "the end of its life after the last look at its threads: the drain, the exit");

    final String label;
    final String what;

    Kind(String label, String what) {
      this.label = label;
      this.what = what;
    }
  }

  /** The JVM's own threads that are neither compiler, collector nor VM thread. */
  private static final List<String> JVM_SERVICE_THREADS = List.of("VM Periodic Tas", "Service Thread", "Sweeper thread",
      "Monitor Deflati", "Notification Th", "Signal Dispatch", "Reference Handl", "Finalizer", "Common-Cleaner",
      "Attach Listener", "JFR ");

  /** A thread's kind from its name and its process's (the name of the thread whose id is the pid). */
  static Kind classify(String name, String processName) {
    if (name.startsWith("C1 CompilerThre")) {
      return Kind.C1;
    }
    if (name.startsWith("C2 CompilerThre")) {
      return Kind.C2;
    }
    if (name.startsWith("GC Thread#") || name.startsWith("G1 ")) {
      return Kind.GC;
    }
    if (name.equals("VM Thread")) {
      return Kind.VM_THREAD;
    }
    if (JVM_SERVICE_THREADS.stream().anyMatch(name::startsWith)) {
      return Kind.JVM_OTHER;
    }
    if (name.startsWith("baton-")) {
      return Kind.AGENT;
    }
    return name.equals(processName) ? Kind.MAIN : Kind.APP;
  }

  /**
   * A JVM's CPU by kind of thread; their sum is its whole CPU.
   *
   * @param nanos CPU by kind, in ns (every kind present, 0 where none)
   * @param threads threads seen by kind (none for {@link Kind#GONE} and {@link Kind#END})
   * @param threadsSeen distinct threads seen at the looks: the threads it started, but for those that lived
   *     less than the time between two looks
   * @param peakThreads the most threads alive at one look
   * @param roundedThreads threads whose figure is whole ticks, read without {@code schedstat} (a kernel without
   *     {@code CONFIG_SCHED_INFO}): each gives up to 20 ms to {@link Kind#GONE}
   */
  record Breakdown(Map<Kind, Long> nanos, Map<Kind, Integer> threads, int threadsSeen, int peakThreads,
      int roundedThreads) {

    double seconds(Kind kind) {
      return nanos.getOrDefault(kind, 0L) / 1e9;
    }

    double totalSeconds() {
      return nanos.values().stream().mapToLong(Long::longValue).sum() / 1e9;
    }
  }

  /**
   * Many generations' breakdowns in one: the median of each kind's CPU-seconds and its share of them all.
   *
   * @param generations how many generations had their threads read
   * @param medianSeconds per kind, the median over the generations of its CPU-seconds
   * @param medianTotal the median of the generations' whole CPU-seconds (not the sum of the medians)
   * @param share per kind, its CPU summed over the generations over theirs (the shares add up to 1)
   * @param medianThreadsSeen the median of the distinct threads seen per generation
   * @param medianPeakThreads the median of the most threads alive at once
   */
  record Summary(int generations, Map<Kind, Double> medianSeconds, double medianTotal, Map<Kind, Double> share,
      int medianThreadsSeen, int medianPeakThreads) {

    static Summary of(List<Breakdown> breakdowns) {
      List<Breakdown> read = breakdowns.stream().filter(b -> b != null).toList();
      Map<Kind, Double> medians = new EnumMap<>(Kind.class);
      Map<Kind, Double> shares = new EnumMap<>(Kind.class);
      double all = read.stream().mapToDouble(Breakdown::totalSeconds).sum();
      for (Kind k : Kind.values()) {
        medians.put(k, median(read.stream().mapToDouble(b -> b.seconds(k)).toArray()));
        shares.put(k, all > 0 ? read.stream().mapToDouble(b -> b.seconds(k)).sum() / all : Double.NaN);
      }
      return new Summary(read.size(), medians, median(read.stream().mapToDouble(Breakdown::totalSeconds).toArray()),
          shares, (int) median(read.stream().mapToDouble(Breakdown::threadsSeen).toArray()),
          (int) median(read.stream().mapToDouble(Breakdown::peakThreads).toArray()));
    }

    private static double median(double[] values) {
      if (values.length == 0) {
        return Double.NaN;
      }
      double[] v = values.clone();
      Arrays.sort(v);
      return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
  }

  /** A thread's last figure, in ns. Thread ids can be reused: a thread is its id and its start. */
  private record Seen(Kind kind, long nanos, boolean rounded) {}

  private record Key(long tid, long startTicks) {}

  private static final long NANOS_PER_TICK = 1_000_000_000L / ProcessTable.TICKS_PER_SECOND;

  private final long pid;
  private final Map<Key, Seen> seen = new HashMap<>();
  private long processTicks = -1;
  private int peakThreads;
  private int lastCount;

  ThreadCpu(long pid) {
    this.pid = pid;
  }

  /** Reads the threads now; nothing once the process has exited. */
  void look() {
    List<Task> tasks = ProcessTable.tasks(pid);
    // The process's CPU after its threads': it holds theirs (and the exited ones'), so the difference is >= 0.
    ProcessTable.Entry process = ProcessTable.read(pid);
    if (tasks.isEmpty() || process == null || process.zombie()) {
      return;
    }
    String processName = tasks.stream().filter(t -> t.tid() == pid).map(Task::name).findFirst().orElse("java");
    for (Task t : tasks) {
      boolean rounded = t.cpuNanos() < 0;
      seen.put(new Key(t.tid(), t.startTicks()), new Seen(classify(t.name(), processName),
          rounded ? t.cpuTicks() * NANOS_PER_TICK : t.cpuNanos(), rounded));
    }
    processTicks = process.cpuTicks();
    peakThreads = Math.max(peakThreads, tasks.size());
    lastCount = tasks.size();
  }

  /** Threads found by the last look (0 before any). */
  int lastCount() {
    return lastCount;
  }

  /** Whether a look found the process alive. */
  boolean seen() {
    return processTicks >= 0;
  }

  /** The process's own CPU at the last look, in ticks (-1 before any). */
  long processTicks() {
    return processTicks;
  }

  /**
   * The breakdown of {@code totalTicks}, the process's CPU: complete once it has exited, or read now (children it
   * started and reaped, none for the workers measured, count in {@link Kind#END}). Null if no look found it alive.
   */
  Breakdown breakdown(long totalTicks) {
    if (!seen()) {
      return null;
    }
    Map<Kind, Long> nanos = new EnumMap<>(Kind.class);
    Map<Kind, Integer> threads = new EnumMap<>(Kind.class);
    for (Kind k : Kind.values()) {
      nanos.put(k, 0L);
      threads.put(k, 0);
    }
    long sum = 0;
    int rounded = 0;
    for (Seen s : seen.values()) {
      nanos.merge(s.kind(), s.nanos(), Long::sum);
      threads.merge(s.kind(), 1, Integer::sum);
      sum += s.nanos();
      rounded += s.rounded() ? 1 : 0;
    }
    // The process's figure is whole ticks, rounded down: up to a tick below its threads' sum is rounding, and the
    // kinds still add up to the whole.
    long atLastLook = Math.max(processTicks * NANOS_PER_TICK, sum);
    nanos.put(Kind.GONE, atLastLook - sum);
    nanos.put(Kind.END, Math.max(0, totalTicks * NANOS_PER_TICK - atLastLook));
    return new Breakdown(nanos, threads, seen.size(), peakThreads, rounded);
  }
}
