package dev.baton.testkit.signal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code kill -s NAME PID}, by signal name ({@code HUP}, {@code TERM}, {@code USR1}…). Java itself can send
 * only TERM and KILL, and only to a process it knows as a {@link ProcessHandle}. Starting {@code kill(1)} for
 * each signal costs about 5 ms on a loaded two-core machine, which stretches a storm of HUPs meant to come 9 ms
 * apart; so one shell per JVM, started at the first signal, reads {@code NAME PID} lines and sends each with
 * its built-in {@code kill}: a pipe's round trip per signal. It ends when this JVM does (end of its input).
 */
public final class Signals {

  private static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9]*");
  private static final String SENDER = "while read -r signal pid; do kill -s \"$signal\" \"$pid\" 2>/dev/null; echo $?; done";

  private static Process sender;
  private static Writer requests;
  private static BufferedReader answers;

  private Signals() {}

  /** Sends signal {@code name} (with or without {@code SIG}) to {@code pid}; false if no such process is there. */
  public static synchronized boolean send(long pid, String name) {
    String signal = name.toUpperCase(Locale.ROOT).replaceFirst("^SIG", "");
    if (!NAME.matcher(signal).matches() || pid <= 0) {
      throw new IllegalArgumentException("not a signal to send: " + name + " to " + pid);
    }
    try {
      if (sender == null || !sender.isAlive()) {
        startSender();
      }
      requests.write(signal + " " + pid + "\n");
      requests.flush();
      String status = answers.readLine();
      if (status == null) {
        throw new IOException("the signal sender (sh) ended");
      }
      return status.equals("0");
    } catch (IOException e) {
      sender = null;
      throw new UncheckedIOException("cannot send " + signal + " to " + pid, e);
    }
  }

  /** {@link #send}, failing when the process is not there: for a signal the test means to arrive. */
  public static void require(long pid, String name) {
    if (!send(pid, name)) {
      throw new IllegalStateException("kill -s " + name + " " + pid + ": no such process");
    }
  }

  private static void startSender() throws IOException {
    sender = new ProcessBuilder("sh", "-c", SENDER).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    requests = new java.io.OutputStreamWriter(sender.getOutputStream(), StandardCharsets.US_ASCII);
    answers = new BufferedReader(new InputStreamReader(sender.getInputStream(), StandardCharsets.US_ASCII));
  }
}
