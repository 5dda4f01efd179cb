package dev.baton.sidecar.cli;

import java.util.Locale;

import dev.baton.sidecar.memory.MemoryGate;
import dev.baton.sidecar.memory.MemoryMargin;
import dev.baton.sidecar.memory.MemorySizes;
import picocli.CommandLine;

/** picocli converters for {@code --memory-margin} and {@code --generation-memory}: a bad value is a usage error naming the forms. */
final class MemoryOptions {
    private MemoryOptions() {
    }

    /** {@code 10%} of the limit, or a size ({@code 64M}). */
    static final class Margin implements CommandLine.ITypeConverter<MemoryMargin> {
        @Override
        public MemoryMargin convert(String value) {
            String v = value.trim();
            try {
                if (v.endsWith("%")) {
                    return MemoryMargin.percentOfLimit(Integer.parseInt(v.substring(0, v.length() - 1).trim()));
                }
                return MemoryMargin.of(MemorySizes.parse(v));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("invalid --memory-margin '" + value
                        + "': give a percentage of the memory limit (10%) or a size (64M)");
            }
        }
    }

    /** {@code auto} (measure the serving generation), {@code off} (no memory check), or a size ({@code 300M}). */
    static final class GenerationSize implements CommandLine.ITypeConverter<MemoryGate.GenerationSize> {
        @Override
        public MemoryGate.GenerationSize convert(String value) {
            switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "auto":
                    return MemoryGate.GenerationSize.AUTO;
                case "off":
                    return MemoryGate.GenerationSize.OFF;
                default:
                    try {
                        long bytes = MemorySizes.parse(value);
                        if (bytes > 0) {
                            return MemoryGate.GenerationSize.fixed(bytes);
                        }
                    } catch (IllegalArgumentException e) {
                        // the message below
                    }
                    throw new CommandLine.TypeConversionException("invalid --generation-memory '" + value
                            + "': give auto (the serving generation's peak), off, or a size (300M)");
            }
        }
    }
}
