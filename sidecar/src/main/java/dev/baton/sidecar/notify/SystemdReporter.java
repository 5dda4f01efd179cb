package dev.baton.sidecar.notify;

import java.util.function.Consumer;

/**
 * What {@code baton} tells its own service manager (systemd with {@code Type=notify}) as its
 * generations come and go: {@code READY=1} with {@code MAINPID} once the first worker serves,
 * {@code RELOADING=1} … {@code READY=1} around each reload, {@code STOPPING=1} on shutdown, and a
 * {@code STATUS=} line with each. Every message the supervisor sends upwards is composed here;
 * {@link SystemdNotifier} carries it.
 */
public final class SystemdReporter {
    private final Consumer<String> send;

    /** Reports through {@code send}, one datagram per call. */
    public SystemdReporter(Consumer<String> send) {
        this.send = send;
    }

    /** Reports to {@code NOTIFY_SOCKET} if set; otherwise says nothing. */
    public static SystemdReporter fromEnvironment(String notifySocket) {
        SystemdNotifier notifier = SystemdNotifier.fromEnvironment(notifySocket);
        return new SystemdReporter(notifier == null ? message -> { } : notifier::send);
    }

    /** A reload starts {@code generation} (stamped for {@code Type=notify-reload}: {@link SystemdNotifier#reloading}). */
    public void reloading(int generation) {
        send.accept(SystemdNotifier.reloading("reloading: starting generation " + generation));
    }

    /**
     * A requested reload is held at a start gate (or refused there) before any generation starts: for systemd
     * the reload has begun all the same ({@code Type=notify-reload} waits for this after its SIGHUP).
     */
    public void reloadHeld(String why) {
        send.accept(SystemdNotifier.reloading("reloading: " + why));
    }

    /** {@code generation} serves; on the first one, the service is up and {@code mainPid} is baton. */
    public void serving(int generation, boolean first, long mainPid) {
        send.accept("READY=1\n" + (first ? "MAINPID=" + mainPid + "\n" : "") + "STATUS=generation " + generation + " serving");
    }

    /** A reload gave up; {@code generation} still serves. */
    public void reloadFailed(int generation) {
        send.accept("READY=1\nSTATUS=reload failed; generation " + generation + " serving");
    }

    /** A reload's generation failed and it will be tried again; {@code generation} still serves. */
    public void reloadRetrying(int generation) {
        send.accept("READY=1\nSTATUS=reload attempt failed, retrying; generation " + generation + " serving");
    }

    public void stopping() {
        send.accept("STOPPING=1\nSTATUS=stopping");
    }
}
