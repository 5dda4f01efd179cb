package dev.baton.sidecar.supervise;

import java.time.Instant;

/** An immutable picture of a worker for status output. */
public record WorkerView(int generation, int pid, String state, Instant startedAt, String status) {
}
