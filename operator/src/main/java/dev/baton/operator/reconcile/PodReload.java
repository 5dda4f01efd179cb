package dev.baton.operator.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.operator.api.PodResult;
import dev.baton.operator.events.EventRecorder.Reason;
import dev.baton.operator.sidecar.BatonClient;
import dev.baton.operator.sidecar.BatonClient.Expect;
import dev.baton.operator.sidecar.BatonClient.ReloadState;
import dev.baton.operator.sidecar.BatonException;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One pod's reload, as a future of its result: ask the pod's baton for a reload (or follow the one an
 * earlier operator asked for), read it again every {@link #POLL} until it ends or {@code podTimeout}
 * passes, and retry a failure as {@code spec.retry} allows. Each step is a task on {@link PodReloads}'
 * executors; the waits between them (the poll, the retry backoff) are scheduled, never slept.
 *
 * <p>Each attempt's number is in the status before it is asked of baton, so a resumed rollout neither
 * repeats an attempt nor makes more than the limit.
 */
final class PodReload {
  static final Duration POLL = Duration.ofMillis(200);
  /** Baton's state for a reload held at a start gate. */
  private static final String WAITING = "waiting";
  /**
   * While baton waits: a message that keeps changing (the memory gate's numbers) is written this often at most,
   * and the configs are read again this often to see whether they changed once more.
   */
  private static final Duration WAITING_UPDATES = Duration.ofSeconds(5);

  /** An attempt ended: its result, and whether another attempt could mend a failure. */
  private record Outcome(PodResult result, boolean retryable) {}

  /** A step: a few blocking calls (baton, the API server), then the next step is run or scheduled. */
  private interface Step {
    void run() throws InterruptedException;
  }

  private final PodReloads env;
  private final RolloutStatus rollout;
  private final ValidSpec spec;
  private final String name;
  private final Pod pod;
  private final CompletableFuture<PodResult> result = new CompletableFuture<>();
  /** The pod's step in the status: from an earlier reconcile at first (or null), then this one's. */
  private PodResult step;
  private int attempt;
  private URI base;
  private String token;
  private Long reloadId;
  private Instant deadline;
  /** Baton's generation before this attempt's reload, for the Reloading steps written while it runs. */
  private Long generationBefore;
  /** The expectations this attempt last sent to baton (empty: a plain reload, or one an earlier reconcile asked), and when. */
  private List<Expect> sent = List.of();
  private Instant sentAt;
  /** Baton's last "waiting" message for this reload, written into the status once each, and when. */
  private String waitingFor;
  private Instant waitingWritten;
  /** Null, or why this attempt's generation may start with the old config: an event, and the pod's result. */
  private String configCaveat;

  /** {@code prior} is the pod's in-flight step from an earlier reconcile, or null; {@code pod} null: it is gone. */
  PodReload(PodReloads env, RolloutStatus rollout, ValidSpec spec, String name, Pod pod, PodResult prior) {
    this.env = env;
    this.rollout = rollout;
    this.spec = spec;
    this.name = name;
    this.pod = pod;
    this.step = prior;
    this.attempt = prior == null ? 1 : Objects.requireNonNullElse(prior.getAttempts(), 1);
  }

  CompletableFuture<PodResult> start() {
    execute(this::begin);
    return result;
  }

  private void begin() throws InterruptedException {
    if (pod == null) {
      finish(new PodResult(name, PodResult.FAILED, null, "pod " + name + " was deleted during its reload"));
    } else if (step == null && !PodResolver.isReady(pod)) {
      finish(new PodResult(name, PodResult.FAILED, null, "pod " + name + " is not Ready"));
    } else {
      ask();
    }
  }

  /** One attempt: find the pod's baton, adopt the reload an earlier reconcile asked for or ask for one, follow it. */
  private void ask() throws InterruptedException {
    Optional<URI> address = env.addresses.resolve(pod);
    if (address.isEmpty()) {
      ended(new Outcome(new PodResult(name, PodResult.FAILED, null, env.addresses.whyNot(pod)), false));
      return;
    }
    base = address.get();
    reloadId = step == null ? null : step.getReloadId();
    waitingFor = null;
    waitingWritten = null;
    sent = List.of();
    try {
      token = env.tokens.token(rollout.reload().getMetadata().getNamespace());
      if (reloadId == null && step != null) {
        reloadId = adoptStartedReload(step.getGeneration());
      }
      if (reloadId == null) {
        JsonNode batonStatus = env.batons.status(base, token);
        generationBefore = batonStatus.path("generation").asLong();
        List<Expect> expect = expectations(batonStatus);
        PodResult requested = new PodResult(name, PodResult.RELOADING, generationBefore,
            (attempt == 1 ? "reload requested" : "reload requested (attempt " + attempt + ")") + (expect.isEmpty() ? ""
                : ", its generation to start once the new config is mounted at " + paths(expect) + " (waiting up to "
                + expectTimeout() + ")"));
        requested.setAttempts(attempt);
        rollout.record(requested);
        ReloadState started = request(expect);
        requested.setReloadId(started.id());
        rollout.record(requested);
        reloadId = started.id();
        if (configCaveat != null) {
          env.events.warning(rollout.reload(), Reason.ConfigNotAwaited, "Pod " + name + ": " + configCaveat);
        }
      } else {
        generationBefore = step.getGeneration();
      }
    } catch (BatonException e) {
      ended(failed(e.getMessage()));
      return;
    } catch (TokenSource.TokenException e) {
      ended(new Outcome(new PodResult(name, PodResult.FAILED, null, e.getMessage()), false));
      return;
    }
    deadline = Instant.now().plus(spec.podTimeout());
    follow();
  }

  /** Reads the reload once: ended, gone, out of time, or read again after {@link #POLL}. */
  private void follow() throws InterruptedException {
    ReloadState state;
    try {
      state = env.batons.reload(base, token, reloadId);
      if (state != null && WAITING.equals(state.state())) {
        state = whileWaiting(state);
      }
    } catch (BatonException e) {
      ended(failed(e.getMessage()));
      return;
    }
    if (state == null) {
      ended(failed("baton no longer knows reload " + reloadId + " (did the pod restart?)"));
    } else if (state.isDone()) {
      boolean ok = "succeeded".equals(state.state());
      String message = state.message().isBlank() ? (ok ? "serving generation " + state.generation() : "reload failed")
          : state.message();
      if (ok && configCaveat != null) {
        message += "; " + configCaveat;
      }
      PodResult done = new PodResult(name, ok ? PodResult.SUCCEEDED : PodResult.FAILED, state.generation(), message);
      done.setReloadId(reloadId);
      ended(new Outcome(done, !ok));
    } else if (Instant.now().isAfter(deadline)) {
      ended(failed("reload " + reloadId + " still " + state.state() + " after podTimeout " + spec.podTimeout().toSeconds() + "s"));
    } else {
      schedule(this::follow, POLL);
    }
  }

  /**
   * Baton holds the reload at a start gate (the new config not mounted yet, no room in memory): the status says
   * what for, once per message and at most every {@link #WAITING_UPDATES}. And if the configs changed again since
   * their hashes were sent, the newer hashes are sent: the kubelet mounts only the newest data (it may never
   * mount the one in between), and baton joins them into the reload it holds, whose wait starts over, as does
   * podTimeout here. Returns the reload as it stands.
   */
  private ReloadState whileWaiting(ReloadState state) throws BatonException, InterruptedException {
    Instant now = Instant.now();
    if (!sent.isEmpty() && now.isAfter(sentAt.plus(WAITING_UPDATES))) {
      List<Expect> newer = ExpectedConfigs.plan(pod, ExpectedConfigs.configs(rollout.reload()), contents()).expect();
      sentAt = now;
      if (!newer.isEmpty() && !newer.equals(sent)) {
        state = request(newer);
        reloadId = state.id();
        deadline = now.plus(spec.podTimeout());
        record("the config changed again while baton waited: now waiting for the newer data at " + paths(newer));
        waitingFor = null;
        return state;
      }
    }
    if (!state.message().isBlank() && !state.message().equals(waitingFor)
        && (waitingWritten == null || now.isAfter(waitingWritten.plus(WAITING_UPDATES)))) {
      waitingFor = state.message();
      waitingWritten = now;
      record("baton is waiting: " + waitingFor);
    }
    return state;
  }

  /** A Reloading step of this attempt's reload. */
  private void record(String message) {
    PodResult r = new PodResult(name, PodResult.RELOADING, generationBefore, message);
    r.setReloadId(reloadId);
    r.setAttempts(attempt);
    rollout.record(r);
  }

  /** Asks baton for the reload: a plain one, or one that waits for {@code expect}. */
  private ReloadState request(List<Expect> expect) throws BatonException, InterruptedException {
    sent = expect;
    sentAt = Instant.now();
    return expect.isEmpty() ? env.batons.startReload(base, token)
        : env.batons.startReload(base, token, "Reload " + rollout.reload().getMetadata().getNamespace() + "/"
            + rollout.reload().getMetadata().getName(), expect, expectTimeout());
  }

  /** How long baton may wait for the config, as sent: derived from podTimeout ({@link ExpectedConfigs#expectTimeout}). */
  private String expectTimeout() {
    return Durations.format(ExpectedConfigs.expectTimeout(spec.podTimeout()));
  }

  private MountedConfigHash.Contents contents() {
    return ExpectedConfigs.fromApi(env.client, rollout.reload().getMetadata().getNamespace(), env.readSecrets);
  }

  /**
   * For a Reload made for new config data: what this pod's baton should wait for before it starts the new
   * generation (empty: nothing, or a baton that cannot wait). What cannot be waited for goes to {@link #configCaveat}.
   */
  private List<Expect> expectations(JsonNode batonStatus) {
    configCaveat = null;
    List<String> configs = ExpectedConfigs.configs(rollout.reload());
    if (configs.isEmpty()) {
      return List.of();
    }
    ExpectedConfigs.Plan plan = ExpectedConfigs.plan(pod, configs, contents());
    List<String> caveats = new ArrayList<>(plan.notAwaited());
    List<Expect> expect = plan.expect();
    if (!expect.isEmpty() && !BatonClient.hasFeature(batonStatus, BatonClient.EXPECT_FEATURE)) {
      caveats.add(0, "its baton cannot wait for it at " + paths(expect) + " (GET /status lists no '"
          + BatonClient.EXPECT_FEATURE + "' feature: a baton older than the operator), so the reload was asked at once;"
          + " upgrade the baton image");
      expect = List.of();
    }
    if (!caveats.isEmpty()) {
      configCaveat = "the new generation may have started before the kubelet mounted the new config: "
          + String.join("; ", caveats);
    }
    return expect;
  }

  private static String paths(List<Expect> expect) {
    return expect.stream().map(Expect::path).collect(Collectors.joining(", "));
  }

  /** The attempt's result is final, or another attempt is scheduled after the backoff. */
  private void ended(Outcome outcome) throws InterruptedException {
    PodResult r = outcome.result();
    r.setAttempts(attempt);
    if (!PodResult.FAILED.equals(r.getResult()) || !outcome.retryable() || attempt > spec.retryLimit()) {
      finish(r);
      return;
    }
    Duration wait = spec.retryDelay(attempt);
    step = new PodResult(name, PodResult.RELOADING, servingGeneration(),
        "attempt " + attempt + " failed: " + r.getMessage() + "; retrying in " + wait.toSeconds() + "s");
    step.setAttempts(attempt + 1);
    rollout.record(step);
    env.events.warning(rollout.reload(), Reason.PodReloadRetried, "Pod " + name + ": " + step.getMessage());
    attempt++;
    schedule(this::ask, wait);
  }

  private void finish(PodResult r) {
    result.complete(rollout.record(r));
  }

  /**
   * A failure that another attempt might mend, unless the pod is gone: a deleted pod's baton stops
   * answering (or forgets its reloads), and the result should say the pod was deleted, not that baton failed.
   */
  private Outcome failed(String message) {
    boolean deleted = env.isDeleted(rollout.reload().getMetadata().getNamespace(), name);
    PodResult r = new PodResult(name, PodResult.FAILED, null,
        deleted ? "pod " + name + " was deleted during its reload (" + message + ")" : message);
    r.setReloadId(reloadId);
    return new Outcome(r, !deleted);
  }

  /** Baton's newest generation after a failed attempt (failed spawns count), so a resume does not adopt that one. */
  private Long servingGeneration() throws InterruptedException {
    try {
      return base == null ? null : env.batons.status(base, token).path("generation").asLong();
    } catch (BatonException e) {
      return null;
    }
  }

  /**
   * An earlier reconcile wrote "Reloading" at {@code generation} but not baton's reload id: it may or may
   * not have reached baton. Baton's own status tells: a reload in progress or a newer generation is that one.
   */
  private Long adoptStartedReload(Long generation) throws BatonException, InterruptedException {
    JsonNode st = env.batons.status(base, token);
    Long adopted = null;
    for (JsonNode r : st.path("reloads")) {
      String state = r.path("state").asText();
      boolean running = !"succeeded".equals(state) && !"failed".equals(state);
      boolean newer = generation != null && r.path("generation").asLong(0) > generation;
      if ((running || newer) && (adopted == null || r.path("id").asLong() > adopted)) {
        adopted = r.path("id").asLong();
      }
    }
    return adopted;
  }

  private void execute(Step s) {
    try {
      env.workers.execute(() -> run(s));
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(e);  // the operator is stopping: the status says where this pod stands
    }
  }

  private void schedule(Step s, Duration delay) {
    try {
      env.timers.schedule(() -> execute(s), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(e);
    }
  }

  /** A step's unexpected failure (an API error patching the status, an interrupt) fails the pod's future. */
  private void run(Step s) {
    try {
      s.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result.completeExceptionally(e);
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
    }
  }
}
