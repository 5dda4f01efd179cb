package dev.baton.sidecar.memory;

/**
 * {@code --memory-margin}: room kept free beyond the new generation's estimate, either a size or a
 * percentage of the limit. It covers what the estimate cannot see: a new generation outgrowing the
 * serving one's peak (JIT compiler arenas at start-up, a GC cycle that commits more before it frees),
 * the old generation still growing while it drains, {@code baton}'s own heap, and the kernel's need for
 * some page cache to make progress before it OOM-kills.
 *
 * @param bytes   a fixed margin, or -1 when {@code percent} applies
 * @param percent a percentage of the limit (0–90), or -1 when {@code bytes} applies
 */
public record MemoryMargin(long bytes, int percent) {
    /** The default: 10 % of the limit (36 MiB of a 360 MiB container, 205 MiB of 2 GiB). */
    public static final MemoryMargin DEFAULT = percentOfLimit(10);

    public static MemoryMargin of(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("a memory margin cannot be negative");
        }
        return new MemoryMargin(bytes, -1);
    }

    public static MemoryMargin percentOfLimit(int percent) {
        if (percent < 0 || percent > 90) {
            throw new IllegalArgumentException("a memory margin of " + percent + "% of the limit is outside 0-90%");
        }
        return new MemoryMargin(-1, percent);
    }

    /** The margin in bytes for this limit. */
    public long bytes(long limit) {
        return percent >= 0 ? limit / 100 * percent + limit % 100 * percent / 100 : bytes;
    }

    @Override
    public String toString() {
        return percent >= 0 ? percent + "%" : MemorySizes.human(bytes);
    }
}
