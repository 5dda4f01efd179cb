package dev.baton.testkit.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What a process costs, from {@code /proc/PID/status} (VmRSS, VmHWM, Threads), {@code /proc/PID/stat}
 * (utime + stime, in clock ticks of 1/100 s on Linux) and {@code /proc/PID/fd}.
 *
 * @param rssKb resident set size now
 * @param peakRssKb the highest resident set size so far
 * @param cpuMillis user + system CPU time so far
 * @param threads its threads now
 * @param fds its open file descriptors now
 * @param atNanos when it was read ({@link System#nanoTime()})
 */
public record ProcStats(long rssKb, long peakRssKb, long cpuMillis, int threads, int fds, long atNanos) {

  private static final long TICK_MILLIS = 1000 / ProcessTable.TICKS_PER_SECOND;

  /** The figures of {@code pid}, or null once it is gone. */
  public static ProcStats read(long pid) {
    try {
      String status = Files.readString(Path.of("/proc/" + pid + "/status"));
      ProcessTable.Entry stat = ProcessTable.read(pid);
      if (stat == null) {
        return null;
      }
      try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
        return new ProcStats(kb(status, "VmRSS:"), kb(status, "VmHWM:"), stat.cpuTicks() * TICK_MILLIS,
            (int) kb(status, "Threads:"), (int) fds.count(), System.nanoTime());
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** As a person reads it: "212 MB RSS, 31 threads, 18 fds". */
  @Override
  public String toString() {
    return rssKb / 1024 + " MB RSS, " + threads + " threads, " + fds + " fds";
  }

  /** CPU used between two readings, in percent of one core. */
  public static double cpuPercent(ProcStats from, ProcStats to) {
    long wallMillis = (to.atNanos - from.atNanos) / 1_000_000;
    return wallMillis <= 0 ? 0 : 100.0 * (to.cpuMillis - from.cpuMillis) / wallMillis;
  }

  /** The number after {@code key} in /proc/PID/status (kB for the memory lines), or -1 if it is missing. */
  private static long kb(String status, String key) {
    for (String line : status.split("\n")) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.substring(key.length()).replace("kB", "").trim());
      }
    }
    return -1;
  }
}
