package dev.baton.agent.drain;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The threads a {@link FrameworkDrain} runs its framework's blocking stop on: {@code startShutdown}
 * must return at once, and {@code isDone} is true once every one of them has finished.
 */
public final class StopThreads {

  private final List<Thread> threads = new CopyOnWriteArrayList<>();

  /** Runs {@code stop} on a new daemon thread (daemon: a stop that hangs must not keep the JVM up). */
  public void start(String name, Runnable stop) {
    Thread thread = new Thread(stop, name);
    thread.setDaemon(true);
    threads.add(thread);
    thread.start();
  }

  /** True once every stop started has finished (or none was started). */
  public boolean allFinished() {
    for (Thread thread : threads) {
      if (thread.isAlive()) {
        return false;
      }
    }
    return true;
  }

  /** True once at least one stop was started and every one has finished. */
  public boolean startedAndFinished() {
    return !threads.isEmpty() && allFinished();
  }
}
