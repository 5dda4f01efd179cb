package dev.baton.agent.drain;

import dev.baton.agent.log.Log;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Starts the drain on the drain signal (TERM by default), then hands the signal to the handler that was
 * there before, normally the JVM's own: it runs the shutdown hooks and exits with 128+signal (143 for
 * TERM), as without the agent; with no previous handler the exit code is the same. Hooks thus run after the drain, when no request is in flight any more.
 *
 * <p>The same signal again during the drain is ignored: start_server, and baton after it, send
 * signal-on-hup to every old worker each time a new generation is ready, also to those already
 * draining. Exiting on it cut drains short whenever reloads came faster than drains (HUP every second
 * under load): every request in flight was lost. The drain stays bounded by {@code drainTimeout}; to
 * stop at once, send KILL (or INT, which the JVM handles).
 */
public final class DrainSignal implements SignalHandler {

  /** How long past the drain timeout the watchdog lets a blocked drain run: its own steps overrun by ms. */
  private static final long OVERRUN_MILLIS = 2_000;

  private final Drainer drainer;
  private final Duration timeout;
  private final Duration keepAliveGrace;
  private final AtomicBoolean draining = new AtomicBoolean();
  /** The JVM's handler runs once: after the drain, or from the watchdog when the drain overran. */
  private final AtomicBoolean chained = new AtomicBoolean();
  private SignalHandler previous;

  private DrainSignal(Drainer drainer, Duration timeout, Duration keepAliveGrace) {
    this.drainer = drainer;
    this.timeout = timeout;
    this.keepAliveGrace = keepAliveGrace;
  }

  /** Installs the handler for {@code signalName} (e.g. {@code TERM}). */
  public static void install(String signalName, Drainer drainer, Duration timeout, Duration keepAliveGrace) {
    DrainSignal handler = new DrainSignal(drainer, timeout, keepAliveGrace);
    try {
      handler.previous = Signal.handle(new Signal(signalName), handler);
    } catch (IllegalArgumentException e) {
      // -Xrs, or a signal the JVM keeps for itself (QUIT): no drain, the JVM behaves as without agent.
      Log.warn("cannot handle SIG" + signalName + " (" + e.getMessage() + "); no graceful drain");
    }
  }

  @Override
  public void handle(Signal signal) {
    if (!draining.compareAndSet(false, true)) {
      Log.info("SIG" + signal.getName() + " again while draining: ignored (the drain ends within drainTimeout "
          + timeout + "; KILL stops at once)");
      return;
    }
    // The JVM runs signal handlers in daemon threads: if the application's last thread ended during
    // the drain (a ServerSocket loop returning once its listener is closed), the JVM would exit 0
    // before the drain ends. A non-daemon thread keeps it alive, so the exit is always the signal's.
    Thread drain = new Thread(() -> {
      try {
        drainer.drain(timeout, keepAliveGrace);
      } catch (Throwable t) {
        Log.error("drain failed", t);
      }
      chainOnce(signal);
    }, "baton-drain");
    drain.setDaemon(false);
    drain.start();
    // The drain checks its deadline between steps, but one step can block past it: closing a listener
    // waits for the accept lock, and an accept on a socket another process made blocking (Go's os/exec
    // does that to the shared socket at every spawn) holds it until the next connection arrives. The
    // timeout is the user's bound on the old worker's life, so a watchdog exits when it is overrun.
    Thread watchdog = new Thread(() -> {
      try {
        drain.join(timeout.toMillis() + OVERRUN_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
      if (drain.isAlive()) {
        Log.warn("drain still blocked " + OVERRUN_MILLIS + " ms past drainTimeout " + timeout + " (in "
            + topFrame(drain) + "); exiting anyway");
        chainOnce(signal);
      }
    }, "baton-drain-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  private void chainOnce(Signal signal) {
    if (chained.compareAndSet(false, true)) {
      chain(signal);
    }
  }

  private static String topFrame(Thread thread) {
    StackTraceElement[] stack = thread.getStackTrace();
    return stack.length == 0 ? "?" : stack[0].getClassName() + "." + stack[0].getMethodName();
  }

  private void chain(Signal signal) {
    if (previous == null || previous == SignalHandler.SIG_DFL || previous == SignalHandler.SIG_IGN) {
      Runtime.getRuntime().exit(128 + signal.getNumber());
    } else {
      previous.handle(signal);
    }
  }
}
