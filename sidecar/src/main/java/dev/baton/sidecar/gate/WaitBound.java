package dev.baton.sidecar.gate;

import java.time.Duration;

/**
 * How long a reload may wait at a gate, and the option (or request field) that says so: a wait past it
 * fails the reload with "gave up after 60 s (--room-wait)", so the user knows what to change.
 */
public record WaitBound(Duration max, String option) {
}
