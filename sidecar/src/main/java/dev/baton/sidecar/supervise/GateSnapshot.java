package dev.baton.sidecar.supervise;

import java.util.Map;

import dev.baton.sidecar.memory.MemoryGate;

/**
 * The start gates in a snapshot: what they hold reloads to, and what they did.
 *
 * @param maxGenerations --max-generations (0: no cap)
 * @param waiting        a reload is held at a gate now
 * @param waits          reloads that had to wait, by gate ({@code config}, {@code generations}, {@code memory})
 * @param refusals       reloads that failed at a gate (refused, or waited longer than its bound), by gate
 * @param memory         the memory cgroup's numbers and the next generation's estimate; null without a memory cgroup
 */
public record GateSnapshot(int maxGenerations, boolean waiting, Map<String, Long> waits, Map<String, Long> refusals,
                           MemoryGate.Status memory) {
}
