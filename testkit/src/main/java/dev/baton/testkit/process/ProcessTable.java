package dev.baton.testkit.process;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Processes as {@code /proc/PID/stat} tells them: parent, state, CPU used by the process itself and by
 * its children it has reaped, resident memory, start time. One file read per process, so a sampler can
 * look at a whole process tree many times a second.
 *
 * <p>Linux adds a child's whole CPU time (its own and its reaped children's) to its parent's
 * {@code cutime}/{@code cstime} when the parent waits for it: a process tree's CPU so far is the sum over
 * its live processes of {@link Entry#totalCpuTicks()}, and what a dead child used shows up, complete, in
 * its parent's {@link Entry#childCpuTicks()}.
 */
public final class ProcessTable {

  /** Clock ticks per second of the times in {@code stat}: {@code sysconf(_SC_CLK_TCK)}, 100 on Linux here. */
  public static final int TICKS_PER_SECOND = 100;

  private static final long PAGE_KB = 4; // x86-64 and arm64 with 4 kB pages, as everywhere we run

  private ProcessTable() {}

  /**
   * One line of {@code /proc/PID/stat}.
   *
   * @param state R, S, D, Z (a zombie: exited, not yet reaped)…
   * @param cpuTicks utime + stime: the process's own CPU so far
   * @param childCpuTicks cutime + cstime: its reaped children's, each complete
   * @param startTicks when it started, in clock ticks since boot
   * @param rssKb resident set size now
   */
  public record Entry(long pid, long ppid, char state, long cpuTicks, long childCpuTicks, long startTicks, long rssKb) {

    /** Its own CPU and its reaped children's. */
    public long totalCpuTicks() {
      return cpuTicks + childCpuTicks;
    }

    public boolean zombie() {
      return state == 'Z' || state == 'X';
    }
  }

  /**
   * One thread of a process, from {@code /proc/PID/task/TID/stat}.
   *
   * @param name its name as the kernel keeps it ({@code comm}: at most 15 characters; a JVM gives its
   *     threads their Java names, cut there, e.g. {@code C2 CompilerThre})
   * @param cpuTicks utime + stime: the thread's own CPU so far, in whole ticks (each thread's rounded down apart:
   *     a thousand threads that ran 5 ms each show 0 here, and 5 s in their process's)
   * @param cpuNanos the same in nanoseconds, unrounded ({@code schedstat}'s run time), or -1 where the kernel
   *     has no {@code /proc/PID/task/TID/schedstat} (built without {@code CONFIG_SCHED_INFO})
   * @param startTicks when it started, in clock ticks since boot (a thread id may be reused)
   */
  public record Task(long tid, String name, long cpuTicks, long cpuNanos, long startTicks) {}

  /** {@code /proc/PID/stat} read now, or null once the process is gone (reaped). */
  public static Entry read(long pid) {
    try {
      return parse(pid, Files.readString(Path.of("/proc/" + pid + "/stat")));
    } catch (IOException | RuntimeException gone) {
      return null;
    }
  }

  /** The process has exited: no {@code /proc} entry, or a zombie waiting for whoever adopted it to reap it. */
  public static boolean exited(long pid) {
    Entry e = read(pid);
    return e == null || e.zombie();
  }

  /**
   * The threads of a live process now, one file read each; empty once it has exited. A thread that ends
   * while they are read is left out (its CPU stays in the process's own, see {@link Entry#cpuTicks()}).
   */
  public static List<Task> tasks(long pid) {
    List<Task> tasks = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (Path dir : dirs) {
        try {
          String stat = Files.readString(dir.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          Entry e = parse(Long.parseLong(dir.getFileName().toString()), stat);
          tasks.add(new Task(e.pid(), name, e.cpuTicks(), runNanos(dir.resolve("schedstat")), e.startTicks()));
        } catch (IOException | RuntimeException gone) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException | RuntimeException gone) {
      // the process is gone
    }
    return tasks;
  }

  /** The first figure of a {@code schedstat}: time on a CPU, in ns; -1 if unreadable. */
  private static long runNanos(Path schedstat) {
    try {
      String text = Files.readString(schedstat).trim();
      int space = text.indexOf(' ');
      return Long.parseLong(space < 0 ? text : text.substring(0, space));
    } catch (IOException | RuntimeException none) {
      return -1;
    }
  }

  /** Every process on the machine. */
  public static Map<Long, Entry> scan() {
    Map<Long, Entry> all = new HashMap<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), p -> isPid(p.getFileName().toString()))) {
      for (Path dir : dirs) {
        Entry e = read(Long.parseLong(dir.getFileName().toString()));
        if (e != null) {
          all.put(e.pid(), e);
        }
      }
    } catch (IOException e) {
      // /proc unreadable: no processes to report
    }
    return all;
  }

  /** The descendants of {@code root} in {@code table} (not {@code root} itself), parents before children. */
  public static List<Entry> descendants(Map<Long, Entry> table, long root) {
    Map<Long, List<Entry>> children = new HashMap<>();
    for (Entry e : table.values()) {
      children.computeIfAbsent(e.ppid(), k -> new ArrayList<>()).add(e);
    }
    List<Entry> found = new ArrayList<>();
    Deque<Long> todo = new ArrayDeque<>(List.of(root));
    while (!todo.isEmpty()) {
      for (Entry child : children.getOrDefault(todo.poll(), List.of())) {
        found.add(child);
        todo.add(child.pid());
      }
    }
    return found;
  }

  /**
   * The system's boot, in milliseconds since the epoch, to 10 ms: now minus {@code /proc/uptime}
   * ({@code btime} in {@code /proc/stat} has whole seconds only). A process started at
   * {@code bootMillis() + startTicks * 10}.
   */
  public static long bootMillis() {
    try {
      long now = System.currentTimeMillis();
      String uptime = Files.readString(Path.of("/proc/uptime")).trim().split("\\s+")[0];
      return now - Math.round(Double.parseDouble(uptime) * 1000);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** An environment variable of a live process ({@code /proc/PID/environ}), or null. */
  public static String environ(long pid, String name) {
    try {
      String prefix = name + "=";
      for (String entry : Files.readString(Path.of("/proc/" + pid + "/environ")).split("\0")) {
        if (entry.startsWith(prefix)) {
          return entry.substring(prefix.length());
        }
      }
    } catch (IOException | RuntimeException gone) {
      // gone, or not ours to read
    }
    return null;
  }

  static Entry parse(long pid, String stat) {
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
    // f[0] is field 3 (state): field N is f[N - 3]
    return new Entry(pid, Long.parseLong(f[1]), f[0].charAt(0),
        Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[13]) + Long.parseLong(f[14]),
        Long.parseLong(f[19]), Long.parseLong(f[21]) * PAGE_KB);
  }

  private static boolean isPid(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (!Character.isDigit(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
