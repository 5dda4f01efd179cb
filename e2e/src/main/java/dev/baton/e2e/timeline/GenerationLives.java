package dev.baton.e2e.timeline;

import dev.baton.testkit.process.StartedProcess.Line;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Each worker generation's life, read from the supervisor's own lines, which baton prints as Perl's
 * start_server does: {@code starting new worker PID} (spawned), {@code new worker is now running}
 * (ready; baton also names it: {@code new worker PID (generation N) is ready}), {@code killing old
 * workers} (the older generations get --signal-on-hup: after --kill-old-delay, if any), {@code old
 * worker PID died} (gone). Times are when the harness read each line.
 */
public final class GenerationLives {

  /**
   * One generation: starting from spawn to ready, serving from ready to its signal, draining from the
   * signal to its exit. A time not seen is -1.
   */
  public record Life(long pid, int generation, long spawnMillis, long readyMillis, long signalMillis, long exitMillis) {}

  private static final Pattern SPAWN = Pattern.compile("starting new worker (\\d+)");
  private static final Pattern READY_NAMED = Pattern.compile("new worker (\\d+) \\(generation (\\d+)\\) is ready");
  private static final String READY = "new worker is now running";
  private static final String KILL_OLD = "killing old workers";
  private static final Pattern STOP_ALL = Pattern.compile("received \\w+, sending \\w+ to all workers");
  private static final Pattern DIED = Pattern.compile("worker (\\d+) died");

  /** A generation being read. */
  private static final class Building {
    final long pid;
    final long spawn;
    int generation;
    long ready = -1;
    long signal = -1;
    long exit = -1;

    Building(long pid, int generation, long spawn) {
      this.pid = pid;
      this.generation = generation;
      this.spawn = spawn;
    }

    Life life() {
      return new Life(pid, generation, spawn, ready, signal, exit);
    }
  }

  private GenerationLives() {}

  /** The generations the lines tell of, in the order they were spawned. */
  public static List<Life> read(List<Line> lines) {
    List<Building> lives = new ArrayList<>();
    for (Line line : lines) {
      String text = line.text();
      long at = line.atMillis();
      Matcher m;
      if ((m = SPAWN.matcher(text)).find()) {
        // SERVER_STARTER_GENERATION counts every spawn, failed ones too: the spawn lines' order
        lives.add(new Building(Long.parseLong(m.group(1)), lives.size() + 1, at));
      } else if ((m = READY_NAMED.matcher(text)).find()) {
        Building b = find(lives, Long.parseLong(m.group(1)));
        if (b != null && b.ready < 0) {
          b.ready = at;
          b.generation = Integer.parseInt(m.group(2));
        }
      } else if (text.contains(READY)) {
        // start_server names no pid: the newest generation
        if (!lives.isEmpty() && lives.get(lives.size() - 1).ready < 0) {
          lives.get(lives.size() - 1).ready = at;
        }
      } else if (text.startsWith(KILL_OLD)) { // not "sleeping 1 secs before killing old workers"
        Building newestReady = null;
        for (Building b : lives) {
          if (b.ready >= 0 && b.exit < 0) {
            newestReady = b;
          }
        }
        for (Building b : lives) {
          if (b == newestReady) {
            break;
          }
          if (b.exit < 0 && b.signal < 0) {
            b.signal = at;
          }
        }
      } else if (STOP_ALL.matcher(text).find()) {
        lives.stream().filter(b -> b.exit < 0 && b.signal < 0).forEach(b -> b.signal = at);
      } else if ((m = DIED.matcher(text)).find()) {
        Building b = find(lives, Long.parseLong(m.group(1)));
        if (b != null && b.exit < 0) {
          b.exit = at;
        }
      }
    }
    return lives.stream().map(Building::life).toList();
  }

  private static Building find(List<Building> lives, long pid) {
    for (int i = lives.size() - 1; i >= 0; i--) {
      if (lives.get(i).pid == pid) {
        return lives.get(i);
      }
    }
    return null;
  }
}
