package dev.baton.e2e.bench;

import dev.baton.testkit.process.ProcStats;

/** Samples a process's RSS every 200 ms while running; CPU is the difference of the first and last reading. */
final class CostSampler implements AutoCloseable {

  /**
   * @param cpuPercent CPU used over the window, in percent of one core
   * @param maxRssKb the highest RSS sampled
   * @param endRssKb the RSS at the end
   */
  record Cost(double cpuPercent, long maxRssKb, long endRssKb) {}

  private final long pid;
  private final ProcStats first;
  private final Thread thread;
  private volatile long maxRssKb;
  private volatile boolean running = true;
  private Cost cost;

  CostSampler(long pid) {
    this.pid = pid;
    this.first = ProcStats.read(pid);
    this.maxRssKb = first == null ? -1 : first.rssKb();
    this.thread = new Thread(this::sample, "cost-" + pid);
    thread.setDaemon(true);
    thread.start();
  }

  private void sample() {
    while (running) {
      ProcStats now = ProcStats.read(pid);
      if (now != null) {
        maxRssKb = Math.max(maxRssKb, now.rssKb());
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  Cost stop() throws InterruptedException {
    if (cost == null) {
      running = false;
      thread.interrupt();
      thread.join();
      ProcStats last = ProcStats.read(pid);
      cost = first == null || last == null ? new Cost(-1, -1, -1)
          : new Cost(ProcStats.cpuPercent(first, last), Math.max(maxRssKb, last.rssKb()), last.rssKb());
    }
    return cost;
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
