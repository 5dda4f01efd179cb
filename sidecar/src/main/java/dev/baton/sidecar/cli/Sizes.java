package dev.baton.sidecar.cli;

import dev.baton.sidecar.memory.MemorySizes;
import picocli.CommandLine;

/** A positive size as {@link MemorySizes} reads it ({@code 1G}, {@code 512M}, {@code 400Mi}, bytes): a bad one is a usage error. */
final class Sizes implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            long bytes = MemorySizes.parse(value);
            if (bytes > 0) {
                return bytes;
            }
        } catch (IllegalArgumentException e) {
            // the message below
        }
        throw new CommandLine.TypeConversionException("'" + value + "' is not a size: give bytes or a unit, e.g. 512M, 1G, 400Mi");
    }
}
