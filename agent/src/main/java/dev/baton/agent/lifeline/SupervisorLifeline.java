package dev.baton.agent.lifeline;

import dev.baton.agent.log.Log;
import dev.baton.agent.bootstrap.JdkInternals;
import dev.baton.agent.config.LifelineOptions;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import sun.misc.Signal;

/**
 * Notices that the supervisor died, even by SIGKILL, and stops this worker from lingering as an
 * orphan.
 *
 * <p>baton passes {@code BATON_LIFELINE_FD}: the read end of a pipe whose write end only baton holds
 * and never writes to. A read on it blocks for baton's whole life and returns end-of-file the moment
 * baton is gone (the kernel closes its descriptors however it died). Then, by {@link LifelineOptions}:
 * serve on (a new baton retires this worker through the status file), or serve for the grace and then
 * drain and exit exactly as on the drain signal — by raising that signal, so the drain, the shutdown
 * hooks and the exit code (143 for TERM) are those of a normal retirement.
 *
 * <p>Without the variable (Perl's start_server, or no supervisor) nothing is watched.
 */
public final class SupervisorLifeline {

  public static final String FD_ENV = "BATON_LIFELINE_FD";

  private SupervisorLifeline() {}

  /** Starts the watching thread when the supervisor passed a lifeline; returns at once. */
  public static void watch(Map<String, String> env, JdkInternals jdk, String agentArgs, String drainSignal) {
    String fd = env.get(FD_ENV);
    if (fd == null || fd.isBlank()) {
      return;
    }
    LifelineOptions options;
    try {
      options = LifelineOptions.parse(agentArgs);
    } catch (IllegalArgumentException e) {
      options = LifelineOptions.DEFAULTS; // AgentOptions has already printed the warning for it
    }
    InputStream in;
    try {
      FileDescriptor descriptor = jdk.newFd(Integer.parseInt(fd.trim()));
      in = new FileInputStream(descriptor);
    } catch (IOException | RuntimeException e) {
      Log.warn(FD_ENV + "=" + fd + " is not usable (" + e + "); this worker will not notice if its supervisor dies");
      return;
    }
    LifelineOptions policy = options;
    Thread watcher = new Thread(() -> awaitSupervisorGone(in, policy, drainSignal), "baton-lifeline");
    watcher.setDaemon(true); // never what keeps the JVM alive
    watcher.start();
  }

  private static void awaitSupervisorGone(InputStream in, LifelineOptions options, String drainSignal) {
    byte[] buffer = new byte[64];
    try {
      while (in.read(buffer) >= 0) {
        // baton never writes: any byte is a foreign writer's, and only end-of-file means anything
      }
    } catch (IOException e) {
      Log.warn("cannot read " + FD_ENV + " (" + e + "); this worker will not notice if its supervisor dies");
      return;
    }
    if (!options.exitWhenOrphaned()) {
      Log.warn("the supervisor is gone (" + FD_ENV + " closed); serving on (lifeline=serve) until a new one retires"
          + " this worker");
      return;
    }
    Log.warn("the supervisor is gone (" + FD_ENV + " closed); serving " + options.grace().toMillis()
        + " ms more, then draining and exiting as on SIG" + drainSignal + " (lifeline=exit, lifelineGrace)");
    try {
      Thread.sleep(options.grace().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Signal.raise(new Signal(drainSignal));
  }
}
