package dev.baton.e2e.bench;

import dev.baton.testkit.process.ProcessTable.Entry;
import dev.baton.testkit.process.ProcessTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a supervised server costs while it runs, as a container would count it: the supervisor plus
 * every worker generation (the supervisor's children) with its own children (Starlet's workers).
 *
 * <p>A thread reads the supervisor and each generation's {@code /proc/PID/stat} every {@code poll}, and
 * the whole process table every {@code scan} (to find new generations and their children). A
 * generation's CPU is only complete once it has exited: the last look before its exit misses its last
 * moments (the drain, the JVM's shutdown). The kernel adds a reaped child's whole CPU (its children's
 * included) to its parent's {@code cutime + cstime}, so when a generation disappears between two looks,
 * the growth of the supervisor's child CPU between them is exactly what it used, start to exit (shared
 * out when several disappear between the same two looks). Each look reads the supervisor before and after its children and
 * is repeated if a child was reaped meanwhile, so that no CPU is counted twice or missed.
 *
 * <p>It also reads the threads of each generation's process ({@link ThreadCpu}: a JVM's CPU by kind of thread): on
 * every look while the last one found at most {@value #FEW_THREADS} (start-up, whose threads live shortly), else on
 * every scan only: a JDK HttpServer generation at 1,000 connections has ~1,000 threads, ~10 ms of reading on this
 * machine, which every 50 ms would cost the server a fifth of a core.
 */
final class ContainerSampler implements AutoCloseable {

  /** Up to this many threads, a generation's are read on every look; beyond, on every scan. */
  static final int FEW_THREADS = 100;

  /**
   * One generation: a child process of the supervisor.
   *
   * @param generation its {@code SERVER_STARTER_GENERATION} (0 if unreadable)
   * @param spawnMillis when it started (from {@code /proc/PID/stat}, to 10 ms)
   * @param goneMillis when it was seen exited (a zombie) or gone, or -1 while it runs
   * @param cpuTicks CPU of its process tree so far, in 1/100 s; complete once it is gone
   * @param peakRssKb the highest RSS of its process tree seen
   * @param threads its process's CPU by kind of thread (complete once it is gone), or null if never read
   */
  record Generation(long pid, int generation, long spawnMillis, long goneMillis, long cpuTicks, long peakRssKb,
      ThreadCpu.Breakdown threads) {

    boolean complete() {
      return goneMillis >= 0;
    }

    double cpuSeconds() {
      return cpuTicks / (double) ProcessTable.TICKS_PER_SECOND;
    }
  }

  /** The whole container at one moment: CPU used so far by the supervisor and every generation, RSS now. */
  record Snapshot(long atMillis, long cpuTicks, long rssKb) {

    double cpuSecondsSince(Snapshot earlier) {
      return (cpuTicks - earlier.cpuTicks) / (double) ProcessTable.TICKS_PER_SECOND;
    }
  }

  /** A generation being watched. */
  private static final class Live {
    final long pid;
    final long startTicks;
    final long spawnMillis;
    int generation;
    long treeCpuTicks;
    long rootCpuTicks;
    long treeRssKb;
    long peakRssKb;
    long zombieSinceMillis = -1;
    List<Entry> descendants = List.of();
    final ThreadCpu threads;

    Live(Entry root, long bootMillis) {
      this.pid = root.pid();
      this.startTicks = root.startTicks();
      this.spawnMillis = bootMillis + root.startTicks() * (1000 / ProcessTable.TICKS_PER_SECOND);
      this.threads = new ThreadCpu(pid);
      readGeneration();
    }

    /**
     * From the environment the process was exec'd with, as a label. A child seen between fork and exec
     * (Perl's start_server forks, sets the variable, then execs) has its parent's still, so it is read
     * again until found; and a Perl program that sets {@code $0} (Starlet) overwrites it with spaces.
     */
    void readGeneration() {
      String value = ProcessTable.environ(pid, "SERVER_STARTER_GENERATION");
      try {
        generation = value == null ? generation : Integer.parseInt(value.trim());
      } catch (NumberFormatException e) {
        // not a number: keep what we had
      }
    }
  }

  private final long supervisorPid;
  private final long pollMillis;
  private final int scanEvery;
  private final long bootMillis = ProcessTable.bootMillis();
  private final Thread thread;
  private final Map<Long, Live> live = new LinkedHashMap<>();
  private final List<Generation> gone = new ArrayList<>();
  private long supervisorChildCpu = -1;
  private long unattributedTicks;
  private long[] sampleMillis = new long[1024];
  private long[] sampleRssKb = new long[1024];
  private int samples;
  private long polls;
  private volatile boolean running = true;

  /** Samples every 50 ms, the whole table every 250 ms. */
  ContainerSampler(long supervisorPid) {
    this(supervisorPid, Duration.ofMillis(50), Duration.ofMillis(250));
  }

  ContainerSampler(long supervisorPid, Duration poll, Duration scan) {
    this.supervisorPid = supervisorPid;
    this.pollMillis = Math.max(1, poll.toMillis());
    this.scanEvery = (int) Math.max(1, scan.toMillis() / pollMillis);
    look(true);
    this.thread = new Thread(this::run, "container-" + supervisorPid);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    while (running) {
      try {
        Thread.sleep(pollMillis);
      } catch (InterruptedException e) {
        return;
      }
      look(++polls % scanEvery == 0);
    }
  }

  /** Every generation seen so far, in the order they started. */
  synchronized List<Generation> generations() {
    List<Generation> all = new ArrayList<>(gone);
    for (Live l : live.values()) {
      all.add(new Generation(l.pid, l.generation, l.spawnMillis, -1, l.treeCpuTicks, l.peakRssKb,
          l.threads.breakdown(l.rootCpuTicks)));
    }
    all.sort((a, b) -> Long.compare(a.spawnMillis(), b.spawnMillis()));
    return all;
  }

  /**
   * Generations that started in {@code [from, to)} and have exited: their CPU is complete. Only the
   * children the supervisor said it started as workers ({@code workerPids}): not, say, the command
   * substitutions of {@code bin/baton}'s shell before it execs the supervisor's JVM.
   */
  List<Generation> completedSpawnedBetween(long fromMillis, long toMillis, Set<Long> workerPids) {
    return generations().stream().filter(g -> workerPids.contains(g.pid()) && g.complete()
        && g.spawnMillis() >= fromMillis && g.spawnMillis() < toMillis).toList();
  }

  /** The highest RSS of supervisor + generations summed at one look, among the looks in {@code [from, to]}. */
  synchronized long peakRssKb(long fromMillis, long toMillis) {
    long peak = -1;
    for (int i = 0; i < samples; i++) {
      if (sampleMillis[i] >= fromMillis && sampleMillis[i] <= toMillis) {
        peak = Math.max(peak, sampleRssKb[i]);
      }
    }
    return peak;
  }

  /** Child CPU of the supervisor that belonged to no generation seen (a process that lived less than a scan). */
  synchronized double unattributedCpuSeconds() {
    return unattributedTicks / (double) ProcessTable.TICKS_PER_SECOND;
  }

  /** Looks at the whole tree now. */
  Snapshot snapshot() {
    return look(true);
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join();
  }

  private synchronized Snapshot look(boolean scan) {
    Entry before = null;
    Entry after = null;
    Map<Long, Entry> roots = new LinkedHashMap<>();
    Map<Long, List<Entry>> descendants = new HashMap<>();
    for (int attempt = 0; attempt < 5; attempt++) {
      roots.clear();
      descendants.clear();
      before = ProcessTable.read(supervisorPid);
      if (before == null) {
        break;
      }
      if (scan) {
        Map<Long, Entry> table = ProcessTable.scan();
        for (Entry e : table.values()) {
          if (e.ppid() == supervisorPid) {
            roots.put(e.pid(), e);
            descendants.put(e.pid(), ProcessTable.descendants(table, e.pid()));
          }
        }
      } else {
        for (Live l : live.values()) {
          Entry e = ProcessTable.read(l.pid);
          if (e != null && e.ppid() == supervisorPid && e.startTicks() == l.startTicks) {
            roots.put(e.pid(), e);
          }
        }
      }
      after = ProcessTable.read(supervisorPid);
      if (after == null || after.childCpuTicks() == before.childCpuTicks()) {
        break; // nothing was reaped while the children were read: one consistent picture
      }
    }
    long now = System.currentTimeMillis();
    Entry supervisor = after != null ? after : before;
    if (supervisor == null) {
      // the supervisor is gone: so are its generations, and their last CPU cannot be known any more
      for (Live l : List.copyOf(live.values())) {
        finish(l, now, l.treeCpuTicks);
      }
      return new Snapshot(now, -1, -1);
    }
    account(supervisor.childCpuTicks(), roots, now);
    long cpu = supervisor.totalCpuTicks();
    long rss = supervisor.rssKb();
    for (Entry root : roots.values()) {
      Live l = live.computeIfAbsent(root.pid(), pid -> new Live(root, bootMillis));
      if (scan) {
        l.descendants = descendants.getOrDefault(root.pid(), List.of());
        if (l.generation == 0) {
          l.readGeneration();
        }
      }
      long treeCpu = root.totalCpuTicks();
      long treeRss = root.rssKb();
      for (Entry d : l.descendants) {
        treeCpu += d.totalCpuTicks();
        treeRss += d.rssKb();
      }
      l.treeCpuTicks = treeCpu;
      l.rootCpuTicks = root.totalCpuTicks();
      if ((scan || l.threads.lastCount() <= FEW_THREADS) && !root.zombie()) {
        l.threads.look();
      }
      l.treeRssKb = treeRss;
      l.peakRssKb = Math.max(l.peakRssKb, treeRss);
      if (root.zombie() && l.zombieSinceMillis < 0) {
        l.zombieSinceMillis = now;
      }
      cpu += treeCpu;
      rss += treeRss;
    }
    addSample(now, rss);
    return new Snapshot(now, cpu, rss);
  }

  /** Generations no longer among the supervisor's children get what the supervisor's child CPU grew by. */
  private void account(long childCpu, Map<Long, Entry> roots, long now) {
    long grown = supervisorChildCpu < 0 ? 0 : childCpu - supervisorChildCpu;
    supervisorChildCpu = childCpu;
    List<Live> exited = live.values().stream().filter(l -> !roots.containsKey(l.pid)).toList();
    if (exited.isEmpty()) {
      unattributedTicks += Math.max(0, grown);
      return;
    }
    // One generation gone: the growth is exactly its CPU. Several: shared out in proportion to what each
    // was last seen using (the sum stays exact).
    long total = Math.max(0, grown);
    long seen = exited.stream().mapToLong(l -> l.treeCpuTicks).sum();
    long given = 0;
    for (int i = 0; i < exited.size(); i++) {
      Live l = exited.get(i);
      long cpu = i == exited.size() - 1 ? total - given
          : seen > 0 ? total * l.treeCpuTicks / seen : total / exited.size();
      given += cpu;
      finish(l, l.zombieSinceMillis >= 0 ? l.zombieSinceMillis : now, cpu);
    }
  }

  private void finish(Live l, long goneMillis, long cpuTicks) {
    live.remove(l.pid);
    // its own process's part of the tree's CPU: the whole less its descendants' as last seen
    long rootCpu = cpuTicks - (l.treeCpuTicks - l.rootCpuTicks);
    gone.add(new Generation(l.pid, l.generation, l.spawnMillis, goneMillis, cpuTicks, l.peakRssKb,
        l.threads.breakdown(rootCpu)));
  }

  private void addSample(long atMillis, long rssKb) {
    if (samples == sampleMillis.length) {
      sampleMillis = Arrays.copyOf(sampleMillis, samples * 2);
      sampleRssKb = Arrays.copyOf(sampleRssKb, samples * 2);
    }
    sampleMillis[samples] = atMillis;
    sampleRssKb[samples] = rssKb;
    samples++;
  }
}
