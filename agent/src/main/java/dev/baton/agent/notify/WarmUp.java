package dev.baton.agent.notify;

import dev.baton.agent.config.WarmUpOptions;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A new generation's warm-up, as the supervisor is told about it. With {@code READY=1} the worker announces how
 * long the supervisor may keep the older generations serving beside it ({@value #TIME_MS}, at most) and after how
 * many answered requests it will say it is warm ({@value #REQUESTS}); when it has answered that many it says
 * {@value #WARM}{@code =1}. baton retires the older generations at that word or when the time is up, whichever
 * comes first: so the time needs no clock here, and a worker without traffic is released by it. A supervisor
 * that knows nothing of these words (Perl's start_server reads no notify socket at all) retires as before; baton
 * only waits when an older generation is still serving (never at the first start or after a crash).
 *
 * <p>Requests are counted by the frameworks whose responses the agent sees ({@link #answered}, called by their
 * injected code); for any other server the time alone decides. Once warm, or when warm-up is off, counting costs
 * one volatile read per request.
 */
public final class WarmUp {

  /** With {@code READY=1}: the longest the older generations may keep serving beside this one, in ms. */
  public static final String TIME_MS = "X_BATON_WARM_UP_MS";
  /** With {@code READY=1}: how many requests this generation answers before it says it is warm. */
  public static final String REQUESTS = "X_BATON_WARM_UP_REQUESTS";
  /** {@code X_BATON_WARM=1}: warm; the older generations may be retired now. */
  public static final String WARM = "X_BATON_WARM";

  /** The warm-up being counted, or null (none, or warm already). */
  private static volatile WarmUp counting;

  private final WarmUpOptions options;
  private final Notifier notifier;
  private final AtomicInteger answered = new AtomicInteger();
  /** When READY=1 was sent (System.nanoTime), 0 before. */
  private volatile long readyNanos;

  private WarmUp(WarmUpOptions options, Notifier notifier) {
    this.options = options;
    this.notifier = notifier;
  }

  /** Starts counting for {@code notifier}'s READY=1; does nothing when warm-up is off or no supervisor listens. */
  public static void install(WarmUpOptions options, Notifier notifier) {
    if (options.enabled() && notifier.reachesSupervisor()) {
      WarmUp warmUp = new WarmUp(options, notifier);
      notifier.announceWarmUp(warmUp);
      counting = warmUp;
    }
  }

  /**
   * One request answered (where a framework's hook sees only requests begun, one begun): called by the code
   * injected into the frameworks, on their request threads. Never throws.
   */
  public static void answered() {
    WarmUp warmUp = counting;
    if (warmUp != null && warmUp.answered.incrementAndGet() == warmUp.options.requests()) {
      counting = null;
      warmUp.warm();
    }
  }

  /** The lines sent with READY=1. */
  String announcement() {
    return TIME_MS + "=" + options.time().toMillis() + "\n" + REQUESTS + "=" + options.requests()
        + "\nSTATUS=accepting; warming up: the older generation may serve beside this one until it has answered "
        + options.requests() + " requests, at most " + human(options.time().toMillis());
  }

  /** READY=1 has been sent: the time counts from now (the supervisor keeps the clock). */
  void readySent() {
    readyNanos = System.nanoTime();
  }

  private void warm() {
    long ready = readyNanos;
    String after = ready == 0 ? "" : " in " + (System.nanoTime() - ready) / 1_000_000 + " ms";
    notifier.warm(WARM + "=1\nSTATUS=warm: answered " + options.requests() + " requests" + after);
  }

  private static String human(long millis) {
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }
}
