package dev.baton.e2e.proc;

import java.io.IOException;
import java.io.UncheckedIOException;

/** {@code kill -s NAME PID}: Java can send only TERM and KILL itself. */
public final class Signals {

  private Signals() {}

  /** Sends the signal; false if the process is already gone. */
  public static boolean send(long pid, String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(pid))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return kill.waitFor() == 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
