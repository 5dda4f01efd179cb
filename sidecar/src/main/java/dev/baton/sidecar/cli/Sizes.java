package dev.baton.sidecar.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine;

/**
 * Parses sizes the way users write them: bytes, or {@code 512m}, {@code 1g}, {@code 400Mi}, {@code 1Gi}
 * (Kubernetes' spelling; k, m, g are powers of 1024 either way, as the JVM's {@code -Xmx} takes them).
 */
public final class Sizes implements CommandLine.ITypeConverter<Long> {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg]i?b?)?");

    @Override
    public Long convert(String value) {
        Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a size: use bytes or a unit (512m, 1g, 400Mi)");
        }
        long number = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).substring(0, 1);
        int shift = switch (unit) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        if (number == 0 || Long.numberOfLeadingZeros(number) <= shift) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a usable size: give more than 0 bytes");
        }
        return number << shift;
    }
}
