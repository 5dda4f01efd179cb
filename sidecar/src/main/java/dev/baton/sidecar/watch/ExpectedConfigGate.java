package dev.baton.sidecar.watch;

import java.io.IOException;
import java.util.List;

import dev.baton.sidecar.gate.LiveGenerations;
import dev.baton.sidecar.gate.StartGate;
import dev.baton.sidecar.gate.Verdict;
import dev.baton.sidecar.gate.WaitBound;

/**
 * One reload's expected configs: the gate stays shut (wait) until every path hashes to what the request
 * said, then opens. A reload without expectations has no such gate. {@code --config-wait} bounds the wait:
 * the kubelet's update of a mounted ConfigMap comes within its sync period plus its cache's TTL (a
 * minute each by default), so a reload still waiting after that names the path and both hashes.
 */
public final class ExpectedConfigGate implements StartGate {
    private final List<ExpectedConfig> expected;
    private final WaitBound waitBound;

    /** {@code waitBound}: the request's {@code expectTimeout}, or {@code --config-wait}. */
    public ExpectedConfigGate(List<ExpectedConfig> expected, WaitBound waitBound) {
        this.expected = List.copyOf(expected);
        this.waitBound = waitBound;
    }

    public List<ExpectedConfig> expected() {
        return expected;
    }

    @Override
    public String name() {
        return "config";
    }

    @Override
    public Verdict check(LiveGenerations live) {
        for (ExpectedConfig e : expected) {
            String actual;
            try {
                actual = ConfigHash.of(e.path());
            } catch (ConfigHash.TooLarge ex) {
                return Verdict.refuse(ex.getMessage());
            } catch (IOException ex) {
                // mid-swap, or the volume is gone: the next look may find it whole
                return Verdict.waitFor("waiting for the config under " + e.path() + " to be readable (" + ex.getMessage() + ")");
            }
            if (!actual.equals(e.sha256())) {
                return Verdict.waitFor("waiting for the config under " + e.path() + " to be " + e.shortHash()
                        + " (it is " + ConfigHash.brief(actual) + ": the kubelet updates a mounted ConfigMap or Secret"
                        + " up to a minute or more after it changed)");
            }
        }
        return Verdict.OPEN;
    }

    @Override
    public WaitBound waitBound() {
        return waitBound;
    }
}
