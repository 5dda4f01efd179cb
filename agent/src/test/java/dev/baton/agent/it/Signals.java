package dev.baton.agent.it;

import java.io.IOException;

/** kill(1): Java can only send TERM and KILL itself. */
final class Signals {

  private Signals() {}

  static void send(String name, long pid) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + name + " " + pid + " failed");
    }
  }
}
